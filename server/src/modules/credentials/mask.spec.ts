import { maskPhone } from './mask';

describe('maskPhone', () => {
  it('keeps the first three and last three digits', () => {
    expect(maskPhone('+1234567890')).toBe('+123****890');
    expect(maskPhone('+44 7700 900123')).toBe('+447******123');
  });

  it('hides short numbers entirely', () => {
    expect(maskPhone('+12345')).toBe('+*****');
  });
});
