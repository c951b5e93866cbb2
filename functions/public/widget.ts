// The embeddable widget (functions/browser/widget.ts), served with the owner's texts and settings, to the origins
// the owner allowed; anywhere else the "Call Now" link stays a link.
import type { WidgetConfig } from '../browser/texts.ts';
import { WIDGET_SCRIPT } from './browser-assets.generated.ts';

export type { WidgetConfig } from '../browser/texts.ts';

/** Served to origins the owner did not allow: the link keeps opening the CallNow page. */
export const WIDGET_NOT_ALLOWED =
  '/* CallNow: this site is not on the owner\u2019s list for the widget, so the link opens the CallNow page. */\n';

/** The built script, given its configuration as the one name it leaves free. */
export function renderWidgetScript(config: WidgetConfig): string {
  return `((__CALLNOW_WIDGET__) => {${WIDGET_SCRIPT}})(${JSON.stringify(config)});\n`;
}
