import { ChangeDetectionStrategy, Component, inject } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { MatButton } from '@angular/material/button';
import { ActivatedRoute, RouterLink, UrlSegment } from '@angular/router';
import { map } from 'rxjs';

function toPath(segments: UrlSegment[]): string {
  return `/${segments.map((segment) => segment.path).join('/')}`;
}

@Component({
  selector: 'app-not-found',
  imports: [MatButton, RouterLink],
  templateUrl: './not-found.html',
  styleUrl: './not-found.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class NotFound {
  private readonly route = inject(ActivatedRoute);

  // The wildcard route reuses this component between unknown addresses, so the path must follow the route.
  protected readonly path = toSignal(this.route.url.pipe(map(toPath)), {
    initialValue: toPath(this.route.snapshot.url),
  });
}
