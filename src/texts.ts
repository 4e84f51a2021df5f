/**
 * Every text a follower can see that does not come from the Dify app, in four languages.
 * `LANGUAGE` picks the language (zh_Hans by default); each text can be replaced by its own setting.
 * Templates use `{name}` placeholders.
 */

/** The follower-visible texts of one deployment. */
export interface Texts {
  /** CS mode: the reply to WeChat's last retry while the answer is still being written. */
  readonly holding: string;
  /** Pull mode: the reply to WeChat's last retry while the answer is still being written. */
  readonly continuePrompt: string;
  /** Appended to the continue prompt: how many more prompts there will be. `{remaining}` */
  readonly continueCountdown: string;
  /** Pull mode, prompts used up: the answer is kept and "1" fetches it at any later time. */
  readonly continueLater: string;
  /** Appended to a part when more parts wait for "1". `{current}` `{total}` */
  readonly moreParts: string;
  /** Appended to a part sent while Dify is still writing the rest (how many parts there will be is not known yet). */
  readonly moreComing: string;
  /** The words of the link to the answer page (ANSWER_PAGE), e.g. `<a href="https://…/a/…">查看完整回答</a>`. */
  readonly answerLink: string;
  /** Appended to a reply when an earlier answer still waits for "1" (the follower moved on, or CS was refused). */
  readonly earlierWaiting: string;
  /** Dify failed (error, timeout, unavailable). */
  readonly failure: string;
  /** Dify answered with nothing. */
  readonly emptyAnswer: string;
  /** `/clear` or the CLEAR_CONTEXT menu key. */
  readonly cleared: string;
  /** A message kind we cannot pass on yet. */
  readonly unsupported: string;
  /** A voice message that could not be turned into text. */
  readonly voiceNotUnderstood: string;
  /** The query sent to Dify with an image the follower sent. */
  readonly imageQuery: string;
  /** The query sent to Dify when someone follows the account and no WELCOME_MESSAGE is set. */
  readonly subscribeQuery: string;
  /** Put before a shared link's title, description and URL in the query. */
  readonly linkQuery: string;
  /** Put before a shared location in the query. */
  readonly locationQuery: string;
  /** A question refused because MAX_QUEUED_QUESTIONS others already wait to be answered. */
  readonly busy: string;
  /** A question refused because the follower asked RATE_LIMIT_PER_HOUR questions in the last hour. */
  readonly rateLimited: string;
  /** The reply to `/bot`: the follower is back with the bot after a handoff to human staff. */
  readonly botBack: string;
  /** Reply to a subscribe event; empty means "let the Dify app greet". */
  readonly welcome: string;
}

/** Languages with built-in texts. */
export type Language = "zh_Hans" | "en_US" | "ja_JP" | "pt_BR";

const BUILT_IN: Record<Language, Omit<Texts, "welcome">> = {
  zh_Hans: {
    imageQuery: "请看这张图片。",
    subscribeQuery: "有新用户刚刚关注了公众号，请用一两句话欢迎对方，并简单介绍你能做什么。",
    linkQuery: "我分享了一个链接：",
    locationQuery: "我的位置：",
    holding: "内容生成耗时较长，请稍等...",
    continuePrompt: "生成答复中，继续等待请回复1",
    continueCountdown: "（还可等待{remaining}次）",
    continueLater: "回答仍在生成中，稍后随时回复1即可查看。",
    moreParts: "\n\n（内容较长，回复1查看后续 {current}/{total}）",
    moreComing: "\n\n（回答仍在生成，回复1查看后续）",
    answerLink: "查看完整回答",
    earlierWaiting: "\n\n（之前的回答还有内容未读，回复1查看）",
    failure: "抱歉，暂时无法回答，请稍后再试。",
    emptyAnswer: "抱歉，这次没有得到回答，请换个说法再试试。",
    cleared: "已清除对话记录，我们重新开始吧。",
    unsupported: "暂不支持这种消息，请发送文字。",
    voiceNotUnderstood: "抱歉，没能听清这条语音，请发送文字。",
    busy: "您已有几个问题正在等待回答，请等回答送达后再提问。",
    rateLimited: "您这一小时内的提问次数已达上限，请稍后再来。",
    botBack: "已切换回智能助手，请直接提问。",
  },
  en_US: {
    imageQuery: "Please look at this image.",
    subscribeQuery: "Someone has just followed the account. Welcome them in a sentence or two and say briefly what you can do.",
    linkQuery: "I shared a link:",
    locationQuery: "My location:",
    holding: "This one takes a little longer, please wait...",
    continuePrompt: "Still writing the answer. Reply 1 to keep waiting",
    continueCountdown: " ({remaining} left)",
    continueLater: "The answer is still being written. Reply 1 any time later to read it.",
    moreParts: "\n\n(Long answer: reply 1 for more, {current}/{total})",
    moreComing: "\n\n(Still writing: reply 1 for more)",
    answerLink: "Read the whole answer",
    earlierWaiting: "\n\n(An earlier answer is still waiting for you: reply 1 to read it)",
    failure: "Sorry, I can't answer right now. Please try again later.",
    emptyAnswer: "Sorry, no answer came back this time. Please try rephrasing.",
    cleared: "Conversation cleared. Let's start again.",
    unsupported: "Sorry, this kind of message isn't supported yet. Please send text.",
    voiceNotUnderstood: "Sorry, I couldn't make out that voice message. Please type it.",
    busy: "You have several questions waiting already. Please wait for the answers before asking more.",
    rateLimited: "You have asked a lot of questions this hour. Please try again a little later.",
    botBack: "You're back with the assistant. Ask away.",
  },
  ja_JP: {
    imageQuery: "この画像を見てください。",
    subscribeQuery: "新しいユーザーがフォローしました。一言二言で歓迎し、できることを簡単に紹介してください。",
    linkQuery: "リンクを共有しました：",
    locationQuery: "現在地：",
    holding: "回答の作成に時間がかかっています。少々お待ちください...",
    continuePrompt: "回答を作成中です。引き続き待つには1を返信してください",
    continueCountdown: "（残り{remaining}回）",
    continueLater: "回答はまだ作成中です。後でいつでも1を返信すると確認できます。",
    moreParts: "\n\n（続きは1を返信してください {current}/{total}）",
    moreComing: "\n\n（回答を作成中です。続きは1を返信してください）",
    answerLink: "回答全文を見る",
    earlierWaiting: "\n\n（以前の回答がまだ届いていません。1を返信すると確認できます）",
    failure: "申し訳ありません。現在回答できません。しばらくしてからお試しください。",
    emptyAnswer: "申し訳ありません。今回は回答が得られませんでした。言い換えてお試しください。",
    cleared: "会話履歴を消去しました。新しく始めましょう。",
    unsupported: "このメッセージ形式にはまだ対応していません。テキストで送信してください。",
    voiceNotUnderstood: "申し訳ありません。音声を聞き取れませんでした。テキストで送信してください。",
    busy: "回答待ちの質問がすでにいくつかあります。回答が届いてから次の質問をお送りください。",
    rateLimited: "この1時間の質問数が上限に達しました。しばらくしてからもう一度お試しください。",
    botBack: "自動応答に戻りました。ご質問をどうぞ。",
  },
  pt_BR: {
    imageQuery: "Veja esta imagem, por favor.",
    subscribeQuery: "Alguém acabou de seguir a conta. Dê as boas-vindas em uma ou duas frases e diga brevemente o que você pode fazer.",
    linkQuery: "Compartilhei um link:",
    locationQuery: "Minha localização:",
    holding: "Esta resposta está demorando um pouco, aguarde...",
    continuePrompt: "Ainda escrevendo a resposta. Responda 1 para continuar esperando",
    continueCountdown: " (restam {remaining})",
    continueLater: "A resposta ainda está sendo escrita. Responda 1 quando quiser para lê-la.",
    moreParts: "\n\n(Resposta longa: responda 1 para ver mais, {current}/{total})",
    moreComing: "\n\n(Ainda escrevendo: responda 1 para ver mais)",
    answerLink: "Ver a resposta completa",
    earlierWaiting: "\n\n(Uma resposta anterior ainda espera por você: responda 1 para lê-la)",
    failure: "Desculpe, não consigo responder agora. Tente novamente mais tarde.",
    emptyAnswer: "Desculpe, não veio nenhuma resposta desta vez. Tente reformular.",
    cleared: "Conversa apagada. Vamos começar de novo.",
    unsupported: "Desculpe, este tipo de mensagem ainda não é suportado. Envie texto.",
    voiceNotUnderstood: "Desculpe, não entendi a mensagem de voz. Por favor, digite.",
    busy: "Você já tem algumas perguntas aguardando resposta. Espere as respostas chegarem antes de enviar outras.",
    rateLimited: "Você fez muitas perguntas nesta última hora. Tente novamente daqui a pouco.",
    botBack: "Você voltou a falar com o assistente. Pode perguntar.",
  },
};

/** The setting that overrides each text. */
export const TEXT_SETTINGS: Record<keyof Texts, string> = {
  holding: "TIMEOUT_MESSAGE",
  continuePrompt: "CONTINUE_WAITING_MESSAGE",
  continueCountdown: "CONTINUE_COUNTDOWN_MESSAGE",
  continueLater: "CONTINUE_LATER_MESSAGE",
  moreParts: "MORE_PARTS_MESSAGE",
  earlierWaiting: "EARLIER_ANSWER_MESSAGE",
  moreComing: "MORE_COMING_MESSAGE",
  answerLink: "ANSWER_LINK_TEXT",
  failure: "FAILURE_MESSAGE",
  emptyAnswer: "EMPTY_ANSWER_MESSAGE",
  cleared: "CLEAR_MESSAGE",
  unsupported: "UNSUPPORTED_MESSAGE",
  voiceNotUnderstood: "VOICE_NOT_UNDERSTOOD_MESSAGE",
  busy: "BUSY_MESSAGE",
  rateLimited: "RATE_LIMITED_MESSAGE",
  botBack: "BOT_BACK_MESSAGE",
  imageQuery: "IMAGE_QUERY",
  subscribeQuery: "SUBSCRIBE_QUERY",
  linkQuery: "LINK_QUERY",
  locationQuery: "LOCATION_QUERY",
  welcome: "WELCOME_MESSAGE",
};

/** Normalises LANGUAGE values such as "zh", "zh-CN", "en", "ja", "pt-BR"; undefined when unknown. */
export function parseLanguage(value: string | undefined): Language | undefined {
  const v = (value ?? "").trim().toLowerCase().replace("-", "_");
  if (v === "") return "zh_Hans";
  if (v.startsWith("zh")) return "zh_Hans";
  if (v.startsWith("en")) return "en_US";
  if (v.startsWith("ja")) return "ja_JP";
  if (v.startsWith("pt")) return "pt_BR";
  return undefined;
}

/** Builds the texts for a language, applying any per-text override found in `settings`. */
export function buildTexts(language: Language, settings: Readonly<Record<string, string | undefined>>): Texts {
  const base: Texts = { ...BUILT_IN[language], welcome: "" };
  const out: Record<string, string> = { ...base };
  for (const [key, setting] of Object.entries(TEXT_SETTINGS)) {
    const override = settings[setting];
    // Overrides may contain literal "\n" escapes since wrangler.toml vars and dashboards are single-line.
    if (typeof override === "string" && override.trim() !== "") out[key] = override.replace(/\\n/g, "\n");
  }
  return out as unknown as Texts;
}

/** Fills `{name}` placeholders. */
export function fill(template: string, values: Readonly<Record<string, string | number>>): string {
  return template.replace(/\{(\w+)\}/g, (all, name: string) => (name in values ? String(values[name]) : all));
}
