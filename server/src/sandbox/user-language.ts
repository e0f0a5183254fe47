import { isLanguageTag, type SandboxUser } from './world';

/**
 * A user's language is their app's: the `lang_code` its MTProto connection names in initConnection (the latest
 * connection's wins), or the one the control API gave the user. Bots see it as `from.language_code` and in a Mini
 * App's initData, and the user's app shows a bot's texts in it.
 */

/** The language an app named in initConnection, as stored (lowercase), or undefined when it named none usable. */
export function appLanguageCode(langCode: unknown): string | undefined {
  return typeof langCode === 'string' && isLanguageTag(langCode) ? langCode.toLowerCase() : undefined;
}

/**
 * The language whose texts a bot shows the user: a bot sets its texts per two-letter code, so a user of `pt-br` sees
 * the bot's `pt` texts (a guess at how Telegram matches a regional app language). '' (the texts for everybody) when
 * the user's language is unknown or not two letters.
 */
export function botLanguageOf(user: SandboxUser | undefined): string {
  const primary = user?.languageCode?.split('-')[0] ?? '';
  return /^[a-z]{2}$/.test(primary) ? primary : '';
}
