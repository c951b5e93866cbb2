// What an owner pastes into a web site: kept apart from the pages, so the management function that hands the
// snippets out does not load the pages, their scripts and eleven languages.
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { ownOrigin } from '../http/cors.ts';
import { escapeHtml } from './html.ts';

/** The extension's CallNow page, on the host the request came to. */
export function publicUrlOf(event: APIGatewayProxyEventV2, callNowId: string): string {
  return `${ownOrigin(event)}/callnow/${encodeURIComponent(callNowId)}`;
}

/** A link styled as a button: it works on any site, with no script and no cross-origin call. */
export function buttonSnippet(publicUrl: string): string {
  return `<a href="${escapeHtml(publicUrl)}" target="_blank" rel="noopener" style="display:inline-block;padding:.6em 1.2em;border-radius:.4em;background:#0a7d3b;color:#fff;font:600 1rem system-ui,sans-serif;text-decoration:none">Call Now</a>`;
}

/**
 * The HTML a web site pastes: the link works everywhere; the script, loaded with CORS (`crossorigin`) so that the
 * API sees the site's origin, adds the form where the owner allowed that origin.
 */
export function widgetSnippet(publicUrl: string): string {
  return `${buttonSnippet(publicUrl)}<script src="${escapeHtml(publicUrl)}/widget.js" crossorigin="anonymous" async></script>`;
}
