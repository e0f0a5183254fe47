import { ChangeDetectionStrategy, Component, signal } from '@angular/core';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import { TestbedHarnessEnvironment } from '@angular/cdk/testing/testbed';
import { MatButtonHarness } from '@angular/material/button/testing';
import { MatFormFieldHarness } from '@angular/material/form-field/testing';
import { MatInputHarness } from '@angular/material/input/testing';

import { TenantLimitsDto } from '../../core/api/api.generated';
import { BODY_SCHEMAS } from '../../core/api/api-schema.generated';
import { LimitsForm } from './limits-form';

// The bounds come from the API schema (UpdateTenantLimitsDto), so the form follows the server when they change.
const { rate_limit_rps: RPS, max_concurrent_requests: CONCURRENCY } = BODY_SCHEMAS.UpdateTenantLimitsDto.properties;
const RPS_RANGE = `Between ${RPS.minimum} and ${RPS.maximum} requests per second.`;
const CONCURRENCY_RANGE = `Between ${CONCURRENCY.minimum} and ${CONCURRENCY.maximum} concurrent requests.`;

@Component({
  imports: [LimitsForm],
  template: '<app-limits-form [limits]="limits()" (save)="saved.push($event)" />',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
class Host {
  readonly limits = signal<TenantLimitsDto>({ rate_limit_rps: 10, max_concurrent_requests: 5 });
  readonly saved: TenantLimitsDto[] = [];
}

describe('LimitsForm', () => {
  let fixture: ComponentFixture<Host>;
  let rps: MatInputHarness;
  let concurrency: MatInputHarness;
  let save: MatButtonHarness;

  const errorsOf = async (label: string): Promise<string[]> => {
    const loader = TestbedHarnessEnvironment.loader(fixture);
    const field = await loader.getHarness(MatFormFieldHarness.with({ floatingLabelText: label }));
    return field.getTextErrors();
  };

  beforeEach(async () => {
    fixture = TestBed.createComponent(Host);
    await fixture.whenStable();
    const loader = TestbedHarnessEnvironment.loader(fixture);
    rps = await loader.getHarness(MatInputHarness.with({ selector: '[data-testid="limit-rps"]' }));
    concurrency = await loader.getHarness(MatInputHarness.with({ selector: '[data-testid="limit-concurrency"]' }));
    save = await loader.getHarness(MatButtonHarness.with({ text: 'Save limits' }));
  });

  it("shows the server's ranges in the hints", async () => {
    const loader = TestbedHarnessEnvironment.loader(fixture);
    const field = await loader.getHarness(MatFormFieldHarness.with({ floatingLabelText: 'Requests per second' }));
    expect(await field.getTextHints()).toEqual([`${RPS.minimum}–${RPS.maximum}, to Telegram for this tenant`]);
  });

  it('starts from the limits in force, with nothing to save yet', async () => {
    expect(await rps.getValue()).toBe('10');
    expect(await concurrency.getValue()).toBe('5');
    expect(await save.isDisabled()).toBe(true);
  });

  it.each([
    [String(RPS.minimum - 1), RPS_RANGE],
    [String(RPS.maximum + 1), RPS_RANGE],
    ['2.5', 'Use a whole number.'],
    ['', 'Enter the requests per second.'],
  ])('explains why %j is not a valid rate and does not save it', async (value, message) => {
    await rps.setValue(value);
    await rps.blur();
    expect(await errorsOf('Requests per second')).toEqual([message]);
    await save.click();
    expect(fixture.componentInstance.saved).toEqual([]);
  });

  it.each([
    [String(CONCURRENCY.minimum - 1), CONCURRENCY_RANGE],
    [String(CONCURRENCY.maximum + 1), CONCURRENCY_RANGE],
    ['7.5', 'Use a whole number.'],
    ['', 'Enter the maximum of concurrent requests.'],
  ])('explains why %j is not a valid concurrency', async (value, message) => {
    await concurrency.setValue(value);
    await concurrency.blur();
    expect(await errorsOf('Max concurrent requests')).toEqual([message]);
  });

  it('saves valid whole numbers as numbers', async () => {
    await rps.setValue('42');
    await concurrency.setValue('7');
    expect(await errorsOf('Requests per second')).toEqual([]);
    await save.click();
    expect(fixture.componentInstance.saved).toEqual([{ rate_limit_rps: 42, max_concurrent_requests: 7 }]);
  });

  it('shows the new limits when the saved ones come back', async () => {
    await rps.setValue('3');
    fixture.componentInstance.limits.set({ rate_limit_rps: 25, max_concurrent_requests: 8 });
    await fixture.whenStable();
    expect(await rps.getValue()).toBe('25');
    expect(await concurrency.getValue()).toBe('8');
  });
});
