import { ChangeDetectionStrategy, Component, inject } from '@angular/core';
import { MatButton } from '@angular/material/button';
import {
  MAT_DIALOG_DATA,
  MatDialog,
  MatDialogActions,
  MatDialogClose,
  MatDialogConfig,
  MatDialogContent,
  MatDialogTitle,
} from '@angular/material/dialog';
import { Observable, map } from 'rxjs';

export interface ConfirmDialogData {
  title: string;
  message: string;
  /** The verb on the confirming button, e.g. "Suspend". */
  confirmLabel: string;
  /** Marks actions that lock someone out or drop a connection. */
  destructive?: boolean;
}

/**
 * Asks before an action that affects a tenant. Cancel has the initial focus, so pressing Enter by habit
 * does not suspend anyone; Escape also cancels.
 */
@Component({
  selector: 'app-confirm-dialog',
  imports: [MatButton, MatDialogActions, MatDialogClose, MatDialogContent, MatDialogTitle],
  templateUrl: './confirm-dialog.html',
  styleUrl: './confirm-dialog.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ConfirmDialog {
  protected readonly data = inject<ConfirmDialogData>(MAT_DIALOG_DATA);
}

/** Opens the dialog; emits true only when the staff member confirms. */
export function confirmAction(dialog: MatDialog, data: ConfirmDialogData): Observable<boolean> {
  const config: MatDialogConfig<ConfirmDialogData> = {
    data,
    autoFocus: '.confirm-cancel',
    restoreFocus: true,
    width: '440px',
    maxWidth: '92vw',
    role: 'alertdialog',
  };
  return dialog
    .open<ConfirmDialog, ConfirmDialogData, boolean>(ConfirmDialog, config)
    .afterClosed()
    .pipe(map((result) => result === true));
}
