import { ChangeDetectionStrategy, Component, input } from '@angular/core';

import { ChartOption } from '../app/core/charts/charts';

/**
 * Stands in for `app-chart` in component specs: ECharts needs a canvas and a ResizeObserver, which jsdom lacks. It
 * keeps the options and label it was given, so a spec checks what would be drawn.
 */
@Component({
  selector: 'app-chart',
  template: '',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class FakeChart {
  readonly options = input.required<ChartOption>();
  readonly label = input.required<string>();
}
