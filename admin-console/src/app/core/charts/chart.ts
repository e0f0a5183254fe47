import { ChangeDetectionStrategy, Component, input } from '@angular/core';
import { NgxEchartsDirective } from 'ngx-echarts';

import { ChartOption, provideCharts } from './charts';

/**
 * One chart, drawn by ECharts on a canvas that follows its box's size. Screen readers get `label`, a sentence saying
 * what the chart shows, since they cannot read the canvas.
 */
@Component({
  selector: 'app-chart',
  imports: [NgxEchartsDirective],
  providers: [provideCharts()],
  template: `<div
    echarts
    class="canvas"
    role="img"
    [attr.aria-label]="label()"
    [options]="options()"
    [theme]="theme"
  ></div>`,
  styles: `
    :host {
      display: block;
      height: 240px;
    }
    .canvas {
      height: 100%;
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class Chart {
  readonly options = input.required<ChartOption>();
  readonly label = input.required<string>();

  /** The console follows the system's light or dark scheme; ECharts' own dark theme keeps text and grid readable. */
  protected readonly theme = window.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : '';
}
