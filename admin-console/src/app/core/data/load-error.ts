import { ChangeDetectionStrategy, Component, input } from '@angular/core';
import { MatButton } from '@angular/material/button';

import { ApiResource } from './api-resource';

/** Why a page's data could not be loaded, in the API's words, with a way to ask again. */
@Component({
  selector: 'app-load-error',
  imports: [MatButton],
  template: `
    @if (resource().error(); as message) {
      <div class="load-error" role="alert" data-testid="load-error">
        <p>{{ what() }} could not be loaded: {{ message }}</p>
        <button mat-stroked-button type="button" (click)="resource().reload()">Try again</button>
      </div>
    }
  `,
  styles: `
    .load-error {
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      gap: 8px 16px;
      margin: 8px 0;
      color: var(--mat-sys-error);
    }
    p {
      margin: 0;
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class LoadError {
  readonly resource = input.required<ApiResource<unknown>>();
  /** What the page shows, capitalised, e.g. "The tenants". */
  readonly what = input.required<string>();
}
