// What every public route works with: the request, the store seen through this invocation, the ports, and the
// few things read once per container (the form signing key).
import { randomBytes, randomInt } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { findCallableTarget, type RequestCallPorts } from '../domain/call-requests.ts';
import type { CaptchaRandom } from '../domain/captcha.ts';
import type { CallNowTarget } from '../domain/model.ts';
import type { CallNowStore } from '../domain/ports.ts';
import type { EdgeOptions } from '../http/edge.ts';
import { htmlResponse } from '../http/responses.ts';
import { forOneInvocation } from '../store/invocation-store.ts';
import {
  chooseLanguage,
  isLanguage,
  type Language,
  type LanguageChoice,
  negotiateLanguage,
} from './i18n/index.ts';
import { PAGE_HEADERS, renderNotAvailablePage } from './pages.ts';

export interface PublicPorts extends RequestCallPorts {
  /** The randomness of CAPTCHA challenges. @default node:crypto */
  readonly random?: CaptchaRandom;
  /** Behind CloudFront (`waf`): the secret header that proves a request came through it. */
  readonly edge?: EdgeOptions;
}

const cryptoRandom: CaptchaRandom = {
  integer: (minimum, maximum) => randomInt(minimum, maximum + 1),
  id: () => randomBytes(16).toString('base64url'),
};

/** What lives as long as the container: the ports, and the form signing key once read. */
export class PublicContainer {
  readonly random: CaptchaRandom;
  #formKey: Promise<Uint8Array> | undefined;

  constructor(readonly ports: PublicPorts) {
    this.random = ports.random ?? cryptoRandom;
  }

  /** Read once per container; a failed read is tried again on the next request. */
  formSigningKey(): Promise<Uint8Array> {
    this.#formKey ??= this.ports.store.formSigningKey().catch((error: unknown) => {
      this.#formKey = undefined;
      throw error;
    });
    return this.#formKey;
  }
}

/** One request to a public route. */
export class PublicRequest {
  readonly store: CallNowStore;
  readonly ports: PublicPorts;

  constructor(
    readonly event: APIGatewayProxyEventV2,
    readonly container: PublicContainer,
    readonly callNowId: string,
  ) {
    this.store = forOneInvocation(container.ports.store);
    this.ports = { ...container.ports, store: this.store };
  }

  /** The CallNow ID's target if it may be called: unknown and not allowed read the same. */
  target(): Promise<CallNowTarget | undefined> {
    return findCallableTarget(this.store, this.callNowId);
  }

  /** The origins the owner allowed for the widget (none for a page that cannot be called). */
  async allowedOrigins(): Promise<readonly string[]> {
    return (await this.target())?.extension.callNow.allowedOrigins ?? [];
  }

  query(name: string): string | undefined {
    return this.event.queryStringParameters?.[name];
  }

  now(): Date {
    return this.ports.clock.now();
  }

  /** The visitor's language where no owner preference applies (unknown pages, status pages). */
  visitorLanguage(): LanguageChoice {
    const query = this.query('lang');
    if (isLanguage(query)) return { language: query, visitorChooses: true };
    return {
      language: negotiateLanguage(this.event.headers['accept-language']) ?? 'en',
      visitorChooses: false,
    };
  }

  pageLanguage(target: CallNowTarget): LanguageChoice {
    return chooseLanguage(target.extension.callNow.language, {
      query: this.query('lang'),
      acceptLanguage: this.event.headers['accept-language'],
    });
  }

  /** The language of a page that may or may not be callable. */
  async anyLanguage(): Promise<Language> {
    const target = await this.target();
    return target ? this.pageLanguage(target).language : this.visitorLanguage().language;
  }

  notAvailableHtml() {
    return notAvailablePage(this.event);
  }
}

/** The visitor's language where no owner preference applies (unknown pages, status pages). */
export function visitorLanguage(event: APIGatewayProxyEventV2): LanguageChoice {
  const query = event.queryStringParameters?.lang;
  if (isLanguage(query)) return { language: query, visitorChooses: true };
  return { language: negotiateLanguage(event.headers['accept-language']) ?? 'en', visitorChooses: false };
}

/** The same neutral 404 for a CallNow ID that does not exist, cannot be called, or is not one at all. */
export function notAvailablePage(event: APIGatewayProxyEventV2) {
  return htmlResponse(404, renderNotAvailablePage(visitorLanguage(event).language), PAGE_HEADERS);
}

export function statusPath(callNowId: string, requestId: string): string {
  return `/callnow/${encodeURIComponent(callNowId)}/requests/${encodeURIComponent(requestId)}`;
}
