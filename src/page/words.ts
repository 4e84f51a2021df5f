/**
 * The answer page's own words (not Dify's), in the deployment's LANGUAGE. They are page chrome, not follower texts
 * sent through WeChat, so they have no settings of their own: the answer itself is the page's content.
 */
import { parseLanguage, type Language } from "../texts";

/** What the page says around the answer. */
export interface PageWords {
  /** The HTML `lang` of the page. */
  readonly lang: string;
  /** The document title (WeChat's in-app browser shows it in its top bar). */
  readonly title: string;
  /** The heading above the follower's question. */
  readonly question: string;
  /** The heading above the answer. */
  readonly answer: string;
  /** Shown under the answer while Dify is still writing it. */
  readonly stillWriting: string;
  /** Shown under the answer once it is finished. */
  readonly complete: string;
}

const WORDS: Readonly<Record<Language, PageWords>> = {
  zh_Hans: {
    lang: "zh-Hans", title: "回答", question: "问题", answer: "回答", stillWriting: "回答仍在生成…", complete: "回答已完成",
  },
  en_US: {
    lang: "en", title: "Answer", question: "Question", answer: "Answer", stillWriting: "Still writing…",
    complete: "The answer is complete",
  },
  ja_JP: {
    lang: "ja", title: "回答", question: "質問", answer: "回答", stillWriting: "回答を作成中…", complete: "回答は完了しました",
  },
  pt_BR: {
    lang: "pt-BR", title: "Resposta", question: "Pergunta", answer: "Resposta", stillWriting: "Ainda escrevendo…",
    complete: "A resposta está completa",
  },
};

/** The page's words for a snapshot's `language` (zh_Hans, the project's default, when it names none we have). */
export function pageWords(language: string): PageWords {
  return WORDS[parseLanguage(language) ?? "zh_Hans"];
}
