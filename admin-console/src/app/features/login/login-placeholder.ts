import { ChangeDetectionStrategy, Component } from '@angular/core';
import { MatCard, MatCardContent, MatCardHeader, MatCardTitle } from '@angular/material/card';

@Component({
  selector: 'app-login-placeholder',
  imports: [MatCard, MatCardContent, MatCardHeader, MatCardTitle],
  templateUrl: './login-placeholder.html',
  styleUrl: './login-placeholder.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class LoginPlaceholder {}
