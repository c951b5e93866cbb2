/** Masks a visitor's number for logs, keeping the country code and the last two digits: `+12025550100` -> `+1********00`. */
export function maskPhoneNumber(phone: string): string {
  if (phone.length <= 4) return '*'.repeat(phone.length);
  const head = phone.startsWith('+') ? phone.slice(0, 2) : phone.slice(0, 1);
  return head + '*'.repeat(phone.length - head.length - 2) + phone.slice(-2);
}
