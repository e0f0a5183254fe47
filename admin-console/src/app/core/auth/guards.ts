import { inject } from '@angular/core';
import { CanActivateFn, Router } from '@angular/router';

import { Session } from './session';

/** Pages for support staff: anyone else goes to sign-in, and comes back here afterwards. */
export const staffGuard: CanActivateFn = async (_route, state) => {
  const session = inject(Session);
  const router = inject(Router);
  if (await session.restore()) return true;
  return router.createUrlTree(['/login'], state.url === '/overview' ? {} : { queryParams: { returnUrl: state.url } });
};

/** The sign-in page is pointless when already signed in. */
export const signedOutGuard: CanActivateFn = async () => {
  const session = inject(Session);
  const router = inject(Router);
  return (await session.restore()) ? router.createUrlTree(['/overview']) : true;
};
