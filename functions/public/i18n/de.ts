// German.
import type { MessageKey } from './en.ts';

export const de = {
  languageName: 'Deutsch',
  languageLabel: 'Sprache',
  languageButton: 'Ändern',
  pageTitle: '{name} anrufen',
  pageTitleAnonymous: 'Jetzt anrufen',
  nameLabel: 'Ihr Name',
  phoneLabel: 'Ihre Telefonnummer',
  phoneHint: 'Aus dem Ausland bitte mit Ländervorwahl, zum Beispiel +49 30 12345678.',
  callButton: 'Anrufen',
  noteConfirm:
    'Wir rufen zuerst die gewünschte Person an. Sie bestätigt, dass sie sprechen kann, und dann rufen wir Sie unter dieser Nummer an.',
  noteDirect:
    'Wir rufen zuerst die gewünschte Person an. Sobald sie abnimmt, rufen wir Sie unter dieser Nummer an.',
  hours: 'Erreichbar {days}, {from}–{to}, Zeitzone {zone}.',
  hoursLocal: 'Das ist {from}–{to} in Ihrer Zeitzone ({zone}).',
  closed: 'Anrufe sind gerade nicht möglich. Das nächste Mal: {day} um {time} (Zeitzone {zone}).',
  closedLocal: 'Das ist {day} um {time} in Ihrer Zeitzone.',
  everyDay: 'täglich',
  dayRange: '{first} bis {last}',
  ownerBusy: 'Die Person telefoniert gerade. Bitte versuchen Sie es in ein paar Minuten noch einmal.',
  checkAgain: 'Erneut versuchen',
  captchaLegend: 'Sicherheitsprüfung',
  captchaImageAlt:
    'Ein Bild mit Zeichen zum Abtippen. Wenn Sie es nicht sehen können, beantworten Sie stattdessen die Frage darunter.',
  captchaQuestion:
    'Oder beantworten Sie diese Frage: Was ist {left} plus {right}? Geben Sie die Antwort in Ziffern ein.',
  captchaLabel: 'Die Zeichen im Bild oder die Antwort',
  captchaRefresh: 'Neues Bild anzeigen',
  number1: 'eins',
  number2: 'zwei',
  number3: 'drei',
  number4: 'vier',
  number5: 'fünf',
  number6: 'sechs',
  number7: 'sieben',
  number8: 'acht',
  number9: 'neun',
  sending: 'Ihre Anfrage wird gesendet…',
  status_queued: 'Ihre Anfrage ist auf dem Weg zur Telefonanlage…',
  status_dialing_extension: 'Die gewünschte Person wird angerufen… wir warten, bis sie abnimmt.',
  status_awaiting_confirmation: 'Die Person hat abgenommen und bestätigt den Anruf…',
  status_dialing_visitor: 'Wir rufen Sie jetzt an. Ihr Telefon sollte gleich klingeln.',
  status_connected: 'Sie sind verbunden.',
  status_completed: 'Das Gespräch ist beendet. Danke für Ihren Anruf.',
  failure_expired:
    'Ihre Anfrage ist abgelaufen, bevor die Telefonanlage den Anruf aufbauen konnte. Bitte versuchen Sie es noch einmal.',
  failure_extension_busy: 'Die Person telefoniert gerade. Bitte versuchen Sie es später noch einmal.',
  failure_extension_no_answer: 'Die Person hat nicht abgenommen. Bitte versuchen Sie es noch einmal.',
  failure_extension_declined:
    'Die Person kann den Anruf gerade nicht annehmen. Bitte versuchen Sie es später noch einmal.',
  failure_visitor_busy:
    'Ihre Leitung war besetzt, als wir angerufen haben. Bitte versuchen Sie es erneut, wenn sie frei ist.',
  failure_visitor_no_answer:
    'Wir haben angerufen, aber an Ihrem Telefon hat niemand abgenommen. Bitte versuchen Sie es noch einmal.',
  failure_visitor_unreachable:
    'Wir konnten Ihre Nummer nicht erreichen. Bitte prüfen Sie sie und versuchen Sie es noch einmal.',
  failure_pbx_unavailable:
    'Die Telefonanlage ist gerade nicht erreichbar. Bitte versuchen Sie es in ein paar Minuten noch einmal.',
  failure_pbx_misconfigured:
    'Die Telefonanlage ist für diesen Anruf nicht richtig eingerichtet. Es liegt nicht an Ihnen; bitte versuchen Sie es später noch einmal.',
  failure_rejected: 'Dieser Anruf konnte nicht aufgebaut werden.',
  cancelButton: 'Anruf abbrechen',
  cancelling: 'Ihre Anfrage wird abgebrochen…',
  cancelled: 'Sie haben die Anfrage abgebrochen. Wir rufen Sie nicht an.',
  cancelTooLate: 'Zum Abbrechen ist es zu spät: Der Anruf läuft bereits.',
  lostTrack: 'Wir können den Stand Ihres Anrufs nicht mehr verfolgen. Bitte achten Sie auf Ihr Telefon.',
  offline: 'CallNow ist nicht erreichbar. Bitte prüfen Sie Ihre Verbindung und versuchen Sie es noch einmal.',
  somethingWrong: 'Etwas ist schiefgelaufen. Bitte versuchen Sie es noch einmal.',
  error_invalid_phone_number:
    'Das sieht nicht wie eine Telefonnummer aus. Bitte prüfen Sie sie, aus dem Ausland mit Ländervorwahl.',
  error_caller_name_required: 'Bitte geben Sie Ihren Namen ein.',
  error_caller_name_invalid: 'Ihr Name enthält Zeichen, die wir nicht verwenden können.',
  error_caller_name_too_long: 'Ihr Name ist zu lang. Bitte kürzen Sie ihn.',
  error_captcha_failed: 'Das war nicht richtig. Hier ist ein neues Bild: Bitte versuchen Sie es noch einmal.',
  error_outside_availability:
    'Zu dieser Tageszeit sind keine Anrufe möglich. Bitte versuchen Sie es zu den angegebenen Zeiten.',
  error_pbx_unavailable:
    'Die Telefonanlage nimmt gerade keine Anfragen an. Bitte versuchen Sie es in einer Minute noch einmal.',
  error_not_available: 'Diese CallNow-Seite ist nicht verfügbar.',
  error_number_not_allowed: 'Diese Nummer kann von dieser Seite aus nicht angerufen werden.',
  error_too_many_requests: 'Zu viele Anfragen. Bitte warten Sie eine Weile und versuchen Sie es erneut.',
  error_call_in_progress:
    'Ein Anruf an diese Nummer läuft bereits. Bitte versuchen Sie es erneut, wenn er beendet ist.',
  error_form_expired: 'Diese Seite war zu lange geöffnet. Bitte drücken Sie erneut auf Anrufen.',
  statusTitle: 'Ihr Anruf',
  statusTitleRunning: 'Anruf läuft…',
  statusRefreshes: 'Diese Seite aktualisiert sich von selbst.',
  statusStopUpdating: 'Nicht mehr aktualisieren',
  statusUpdateNow: 'Jetzt aktualisieren',
  stepsLabel: 'Fortschritt Ihres Anrufs',
  back: 'Zurück',
  notAvailableTitle: 'Nicht verfügbar',
  notAvailableText:
    'Diese CallNow-Seite ist nicht verfügbar. Bitte prüfen Sie den Link oder kontaktieren Sie die Person auf anderem Weg.',
  problemTitle: 'Bitte versuchen Sie es noch einmal',
  widgetClose: 'Schließen',
  widgetOpenPage: 'CallNow-Seite öffnen',
} satisfies Record<MessageKey, string>;
