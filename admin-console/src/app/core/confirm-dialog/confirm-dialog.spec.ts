import { ChangeDetectionStrategy, Component } from '@angular/core';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import { TestbedHarnessEnvironment } from '@angular/cdk/testing/testbed';
import { MatDialog } from '@angular/material/dialog';
import { MatDialogHarness } from '@angular/material/dialog/testing';
import { firstValueFrom } from 'rxjs';

import { confirmAction } from './confirm-dialog';

@Component({ template: '', changeDetection: ChangeDetectionStrategy.OnPush })
class EmptyHost {}

describe('ConfirmDialog', () => {
  let fixture: ComponentFixture<EmptyHost>;

  beforeEach(() => {
    fixture = TestBed.createComponent(EmptyHost);
  });

  async function open(): Promise<{ dialog: MatDialogHarness; answer: Promise<boolean> }> {
    const answer = firstValueFrom(
      confirmAction(TestBed.inject(MatDialog), {
        title: 'Suspend ops@acme.example?',
        message: 'Their API calls are refused until reactivated.',
        confirmLabel: 'Suspend',
        destructive: true,
      }),
    );
    const dialog = await TestbedHarnessEnvironment.documentRootLoader(fixture).getHarness(MatDialogHarness);
    return { dialog, answer };
  }

  const button = (label: string): HTMLButtonElement => {
    const found = [...document.querySelectorAll<HTMLButtonElement>('mat-dialog-actions button')].find(
      (b) => b.textContent?.trim() === label,
    );
    if (!found) throw new Error(`no ${label} button`);
    return found;
  };

  it('shows the question, the consequence and a button named after the action', async () => {
    const { dialog } = await open();
    expect(await dialog.getTitleText()).toBe('Suspend ops@acme.example?');
    expect(await dialog.getContentText()).toBe('Their API calls are refused until reactivated.');
    expect(await dialog.getActionsText()).toBe('Cancel Suspend');
    expect(await dialog.getRole()).toBe('alertdialog');
    expect(button('Suspend').classList).toContain('destructive');
    await dialog.close();
  });

  it('answers true only when the action is confirmed', async () => {
    const { answer } = await open();
    button('Suspend').click();
    expect(await answer).toBe(true);
  });

  it('answers false on Cancel', async () => {
    const { answer } = await open();
    button('Cancel').click();
    expect(await answer).toBe(false);
  });

  it('answers false when closed with Escape', async () => {
    const { dialog, answer } = await open();
    await dialog.close();
    expect(await answer).toBe(false);
  });
});
