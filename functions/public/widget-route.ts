// What the widget on another web site asks for: its script (only for origins the owner allowed), and a new
// picture to answer when image validation is on.
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { imageValidationRequired } from '../domain/abuse.ts';
import { HttpError } from '../http/errors.ts';
import { jsonError, jsonResponse } from '../http/responses.ts';
import type { PublicRequest } from './context.ts';
import { catalogue, fill } from './i18n/index.ts';
import { newCaptcha } from './page-route.ts';
import { scriptTexts } from './pages.ts';
import { renderWidgetScript, WIDGET_NOT_ALLOWED } from './widget.ts';

const SCRIPT_HEADERS = {
  'content-type': 'text/javascript; charset=utf-8',
  'cache-control': 'public, max-age=300',
  'x-content-type-options': 'nosniff',
  'cross-origin-resource-policy': 'cross-origin',
  vary: 'Origin, Accept-Language',
};

/**
 * The widget for an origin the owner allowed; anything else (another origin, no origin because the snippet lost
 * its `crossorigin`, an unknown CallNow ID) gets a script that does nothing, so the link stays a plain link.
 */
export async function widget(request: PublicRequest | undefined): Promise<APIGatewayProxyStructuredResultV2> {
  const target = await request?.target();
  const origin = request?.event.headers.origin?.toLowerCase();
  if (
    !request ||
    !target ||
    origin === undefined ||
    !target.extension.callNow.allowedOrigins.includes(origin)
  ) {
    return {
      statusCode: 200,
      headers: { ...SCRIPT_HEADERS, 'access-control-allow-origin': '*' },
      body: WIDGET_NOT_ALLOWED,
    };
  }
  const texts = catalogue(request.pageLanguage(target).language);
  const preferences = target.extension.callNow;
  const script = renderWidgetScript({
    title: preferences.showName
      ? fill(texts.pageTitle, { name: target.extension.ownerName })
      : texts.pageTitleAnonymous,
    askCallerName: preferences.askCallerName,
    imageValidation: imageValidationRequired(target, request.now()),
    texts: {
      ...scriptTexts(texts),
      nameLabel: texts.nameLabel,
      phoneLabel: texts.phoneLabel,
      callButton: texts.callButton,
      cancelButton: texts.cancelButton,
      close: texts.widgetClose,
      openPage: texts.widgetOpenPage,
      captchaImageAlt: texts.captchaImageAlt,
      captchaLabel: texts.captchaLabel,
      captchaRefresh: texts.captchaRefresh,
    },
  });
  return {
    statusCode: 200,
    headers: { ...SCRIPT_HEADERS, 'access-control-allow-origin': origin },
    body: script,
  };
}

/** GET /callnow/{callNowId}/captcha: a new picture, for a page that asks for one. */
export async function captchaJson(request: PublicRequest) {
  const target = await request.target();
  if (!target || !imageValidationRequired(target, request.now())) {
    return jsonError(new HttpError(404, 'not_available', 'this CallNow page is not available'));
  }
  const texts = catalogue(request.pageLanguage(target).language);
  return jsonResponse(200, await newCaptcha(request, texts));
}
