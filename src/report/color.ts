// ANSI colours with Ansible's defaults (config/base.yml: COLOR_OK green, COLOR_CHANGED yellow,
// COLOR_ERROR red, COLOR_UNREACHABLE bright red, COLOR_SKIP cyan, COLOR_WARN bright purple).
// Whether to colour at all (TTY, NO_COLOR) is the caller's decision, passed as a boolean.

export type Color = 'green' | 'yellow' | 'red' | 'bright red' | 'cyan' | 'bright purple' | 'purple';

const CODES: Record<Color, string> = {
  green: '0;32',
  yellow: '0;33',
  red: '0;31',
  'bright red': '1;31',
  cyan: '0;36',
  purple: '0;35',
  'bright purple': '1;35',
};

export function paint(text: string, color: Color | undefined, on: boolean): string {
  return on && color ? `\u001b[${CODES[color]}m${text}\u001b[0m` : text;
}
