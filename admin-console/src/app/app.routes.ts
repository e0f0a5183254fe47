import { Routes } from '@angular/router';

import { signedOutGuard, staffGuard } from './core/auth/guards';
import { pageTitle } from './product';

export const routes: Routes = [
  { path: '', pathMatch: 'full', redirectTo: 'overview' },
  {
    path: 'login',
    title: pageTitle('Sign in'),
    canActivate: [signedOutGuard],
    loadComponent: () => import('./features/login/login').then((m) => m.Login),
  },
  {
    path: '',
    canActivateChild: [staffGuard],
    children: [
      {
        path: 'overview',
        title: pageTitle('Overview'),
        loadComponent: () => import('./features/overview/overview').then((m) => m.Overview),
      },
      {
        path: 'tenants',
        title: pageTitle('Tenants'),
        loadComponent: () => import('./features/tenants/tenant-list').then((m) => m.TenantList),
      },
      {
        path: 'tenants/:id',
        title: pageTitle('Tenant'),
        loadComponent: () => import('./features/tenants/tenant-detail').then((m) => m.TenantDetail),
      },
      {
        path: 'audit',
        title: pageTitle('Audit log'),
        loadComponent: () => import('./features/audit/audit-log').then((m) => m.AuditLog),
      },
      {
        path: 'queues',
        title: pageTitle('Queues'),
        loadComponent: () => import('./features/queues/queues').then((m) => m.Queues),
      },
    ],
  },
  {
    path: '**',
    title: pageTitle('Page not found'),
    loadComponent: () => import('./features/not-found/not-found').then((m) => m.NotFound),
  },
];
