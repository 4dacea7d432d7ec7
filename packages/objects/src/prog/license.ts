// license_is_gpl_compatible (include/linux/license.h): the exact strings the kernel accepts.
const GPL_COMPATIBLE = new Set([
  'GPL',
  'GPL v2',
  'GPL and additional rights',
  'Dual BSD/GPL',
  'Dual MIT/GPL',
  'Dual MPL/GPL',
]);

export const licenseIsGplCompatible = (license: string): boolean => GPL_COMPATIBLE.has(license);
