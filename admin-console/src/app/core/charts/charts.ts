import { Provider } from '@angular/core';
import { provideEchartsCore } from 'ngx-echarts';
import { BarChart, LineChart } from 'echarts/charts';
import type { BarSeriesOption, LineSeriesOption } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import type { GridComponentOption, LegendComponentOption, TooltipComponentOption } from 'echarts/components';
import * as echarts from 'echarts/core';
import type { ComposeOption } from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';

// Only the pieces the console draws with, so the rest of ECharts stays out of the bundle.
echarts.use([LineChart, BarChart, GridComponent, TooltipComponent, LegendComponent, CanvasRenderer]);

/** What a console chart may be made of: exactly the pieces registered above, so an option using another fails to compile. */
export type ChartOption = ComposeOption<
  LineSeriesOption | BarSeriesOption | GridComponentOption | TooltipComponentOption | LegendComponentOption
>;

/**
 * ECharts for the `echarts` directive, provided by the component that draws, so the library loads with the page
 * that needs it rather than with the console's first screen.
 */
export function provideCharts(): Provider {
  return provideEchartsCore({ echarts });
}
