/** `+123****890`: enough for support to recognise a number, not enough to use it. */
export function maskPhone(phone: string): string {
  const digits = phone.replace(/[^\d]/g, '');
  if (digits.length < 7) return '+' + '*'.repeat(Math.max(digits.length, 4));
  return `+${digits.slice(0, 3)}${'*'.repeat(digits.length - 6)}${digits.slice(-3)}`;
}
