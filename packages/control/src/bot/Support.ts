/**
 * Who sellers are told to talk to when the bot cannot help (`SUPPORT_CONTACT`): every text that says "fale com o
 * suporte" names this contact, or says where else to look when the operator gave none.
 */
import { Config, Context, Effect, Layer, Option } from "effect"

export interface SupportOptions {
  /** `@user`, an e-mail address or a link; none when the operator did not give one. */
  readonly contact: Option.Option<string>
}

export class Support extends Context.Service<Support, {
  readonly contact: Option.Option<string>
}>()("@vigia/control/bot/Support") {
  static readonly layer = (options: SupportOptions) => Layer.succeed(Support, Support.of(options))

  static readonly layerConfig = (config: Config.Wrap<SupportOptions>) =>
    Layer.effect(Support, Effect.map(Config.unwrap(config), (options) => Support.of(options)))
}
