// French.
import type { MessageKey } from './en.ts';

export const fr = {
  languageName: 'Français',
  languageLabel: 'Langue',
  languageButton: 'Changer',
  pageTitle: 'Appeler {name}',
  pageTitleAnonymous: 'Appelez-nous maintenant',
  nameLabel: 'Votre nom',
  phoneLabel: 'Votre numéro de téléphone',
  phoneHint: 'Depuis l’étranger, ajoutez l’indicatif du pays, par exemple +33 1 23 45 67 89.',
  callButton: 'Appeler',
  noteConfirm:
    'Nous appelons d’abord votre interlocuteur. Il confirme qu’il peut parler, puis nous vous appelons à ce numéro.',
  noteDirect:
    'Nous appelons d’abord votre interlocuteur. Dès qu’il décroche, nous vous appelons à ce numéro.',
  hours: 'Disponible {days}, de {from} à {to}, heure de {zone}.',
  hoursLocal: 'Soit de {from} à {to} dans votre fuseau horaire ({zone}).',
  closed:
    'Les appels ne sont pas possibles pour le moment. Prochaine disponibilité : {day} à {time} (heure de {zone}).',
  closedLocal: 'Soit {day} à {time} dans votre fuseau horaire.',
  everyDay: 'tous les jours',
  dayRange: 'du {first} au {last}',
  ownerBusy: 'Votre interlocuteur est déjà en ligne. Veuillez réessayer dans quelques minutes.',
  checkAgain: 'Réessayer',
  captchaLegend: 'Vérification de sécurité',
  captchaImageAlt:
    'Une image de caractères à recopier. Si vous ne pouvez pas la voir, répondez plutôt à la question ci-dessous.',
  captchaQuestion:
    'Ou répondez à cette question : combien font {left} plus {right} ? Tapez la réponse en chiffres.',
  captchaLabel: 'Les caractères de l’image, ou la réponse',
  captchaRefresh: 'Afficher une nouvelle image',
  number1: 'un',
  number2: 'deux',
  number3: 'trois',
  number4: 'quatre',
  number5: 'cinq',
  number6: 'six',
  number7: 'sept',
  number8: 'huit',
  number9: 'neuf',
  sending: 'Envoi de votre demande…',
  status_queued: 'Votre demande est transmise au standard téléphonique…',
  status_dialing_extension: 'Nous appelons votre interlocuteur… en attente de sa réponse.',
  status_awaiting_confirmation: 'Votre interlocuteur a décroché et confirme l’appel…',
  status_dialing_visitor: 'Nous vous appelons. Votre téléphone va sonner dans un instant.',
  status_connected: 'Vous êtes en ligne.',
  status_completed: 'L’appel est terminé. Merci de votre appel.',
  failure_expired:
    'Votre demande a expiré avant que le standard ne puisse passer l’appel. Veuillez réessayer.',
  failure_extension_busy: 'Votre interlocuteur est déjà en ligne. Veuillez réessayer plus tard.',
  failure_extension_no_answer: 'Votre interlocuteur n’a pas répondu. Veuillez réessayer.',
  failure_extension_declined:
    'Votre interlocuteur ne peut pas prendre l’appel pour le moment. Veuillez réessayer plus tard.',
  failure_visitor_busy: 'Votre ligne était occupée quand nous avons appelé. Réessayez quand elle sera libre.',
  failure_visitor_no_answer:
    'Nous avons appelé, mais personne n’a répondu sur votre téléphone. Veuillez réessayer.',
  failure_visitor_unreachable: 'Nous n’avons pas pu joindre votre numéro. Vérifiez-le et réessayez.',
  failure_pbx_unavailable:
    'Le standard téléphonique est injoignable pour le moment. Veuillez réessayer dans quelques minutes.',
  failure_pbx_misconfigured:
    'Le standard téléphonique n’est pas configuré pour aboutir cet appel. Vous n’y êtes pour rien ; veuillez réessayer plus tard.',
  failure_rejected: 'Cet appel n’a pas pu être passé.',
  cancelButton: 'Annuler l’appel',
  cancelling: 'Annulation de votre demande…',
  cancelled: 'Vous avez annulé la demande. Nous ne vous appellerons pas.',
  cancelTooLate: 'Il est trop tard pour annuler : l’appel est déjà en cours.',
  lostTrack: 'Nous ne pouvons plus suivre votre appel. Surveillez votre téléphone.',
  offline: 'Impossible de joindre CallNow. Vérifiez votre connexion et réessayez.',
  somethingWrong: 'Une erreur s’est produite. Veuillez réessayer.',
  error_invalid_phone_number:
    'Ce numéro ne semble pas valide. Vérifiez-le, avec l’indicatif du pays depuis l’étranger.',
  error_caller_name_required: 'Veuillez indiquer votre nom.',
  error_caller_name_invalid: 'Votre nom contient des caractères que nous ne pouvons pas utiliser.',
  error_caller_name_too_long: 'Votre nom est trop long : veuillez le raccourcir.',
  error_captcha_failed: 'Ce n’était pas la bonne réponse. Voici une nouvelle image : veuillez réessayer.',
  error_outside_availability:
    'Les appels ne sont pas possibles à cette heure-ci. Réessayez pendant les heures indiquées.',
  error_pbx_unavailable:
    'Le standard téléphonique ne peut pas prendre de demandes pour le moment. Réessayez dans une minute.',
  error_not_available: 'Cette page CallNow n’est pas disponible.',
  error_number_not_allowed: 'Ce numéro ne peut pas être appelé depuis cette page.',
  error_too_many_requests: 'Trop de demandes. Veuillez patienter un moment puis réessayer.',
  error_call_in_progress:
    'Un appel vers ce numéro est déjà en cours. Veuillez réessayer quand il sera terminé.',
  error_form_expired: 'Cette page est restée ouverte trop longtemps. Veuillez appuyer à nouveau sur Appeler.',
  statusTitle: 'Votre appel',
  statusTitleRunning: 'Appel en cours…',
  statusRefreshes: 'Cette page se met à jour toute seule.',
  statusStopUpdating: 'Arrêter la mise à jour',
  statusUpdateNow: 'Mettre à jour',
  stepsLabel: 'Progression de votre appel',
  back: 'Retour',
  notAvailableTitle: 'Non disponible',
  notAvailableText:
    'Cette page CallNow n’est pas disponible. Vérifiez le lien ou contactez la personne d’une autre manière.',
  problemTitle: 'Veuillez réessayer',
  widgetClose: 'Fermer',
  widgetOpenPage: 'Ouvrir la page CallNow',
} satisfies Record<MessageKey, string>;
