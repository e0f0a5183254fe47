import { Routes } from '@angular/router';

import { pageTitle } from './product';

export const routes: Routes = [
  { path: '', pathMatch: 'full', redirectTo: 'login' },
  {
    path: 'login',
    title: pageTitle('Sign in'),
    loadComponent: () => import('./features/login/login-placeholder').then((m) => m.LoginPlaceholder),
  },
  {
    path: '**',
    title: pageTitle('Page not found'),
    loadComponent: () => import('./features/not-found/not-found').then((m) => m.NotFound),
  },
];
