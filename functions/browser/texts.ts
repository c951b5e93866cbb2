// What the page and the widget scripts are told, in the visitor's language: the server fills it in (pages.ts).

export interface ScriptTexts {
  readonly status: Readonly<Record<string, string>>;
  readonly failure: Readonly<Record<string, string>>;
  readonly errors: Readonly<Record<string, string>>;
  readonly sending: string;
  readonly cancelling: string;
  readonly cancelled: string;
  readonly cancelTooLate: string;
  readonly lostTrack: string;
  readonly offline: string;
  readonly somethingWrong: string;
  readonly hoursLocal: string;
  readonly closedLocal: string;
}

/** What the widget needs besides: the form's own labels. */
export interface WidgetConfig {
  readonly title: string;
  readonly askCallerName: boolean;
  readonly imageValidation: boolean;
  readonly texts: ScriptTexts & {
    readonly nameLabel: string;
    readonly phoneLabel: string;
    readonly callButton: string;
    readonly cancelButton: string;
    readonly close: string;
    readonly openPage: string;
    readonly captchaImageAlt: string;
    readonly captchaLabel: string;
    readonly captchaRefresh: string;
  };
}
