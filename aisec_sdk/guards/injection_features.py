"""Lexical features of the prompt-injection model, shared by inference and training.

A text is lower-cased and split into word tokens (CJK characters count one token each); its
features are the distinct unigrams, adjacent bigrams, and the names of the weighted
multilingual patterns below that match (``#name``). The learned model gives each feature a
weight; the patterns encode what the data is too small to teach (other languages, rare
phrasings), and training learns how much each one is worth.

Every regular expression here is linear: bounded gaps (``{0,n}`` over ``\\W+\\w+``), no
nested unbounded repetition.
"""

from __future__ import annotations

import re
import unicodedata
from itertools import pairwise
from typing import Any

import re2  # type: ignore[import-untyped]

__all__ = [
    "CORE_ANCHORS",
    "EXTRACTION_PATTERNS",
    "OBFUSCATION_ANCHORS",
    "PATTERNS",
    "TRIGGERS",
    "features",
    "matched_patterns",
    "ngrams",
    "pattern_matches",
    "tokens",
    "triggered",
]

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# Vowel signs and other combining marks of Indic, Thai and Arabic script: not word
# characters to ``re``, but part of the word (without them Hindi splits into single letters).
_MARKS = (
    "\u0900-\u0903\u093a-\u094f\u0951-\u0957\u0962\u0963\u0981-\u0983\u09bc-\u09d7"
    "\u09e2\u09e3\u0e31\u0e34-\u0e3a\u0e47-\u0e4e\u064b-\u065f"
)
_TOKEN = re.compile(rf"[{_CJK}]|(?:[^\W\d_{_CJK}]|[{_MARKS}])+")
# What _TOKEN finds in ASCII text, faster: every ASCII character but a letter becomes a
# space, then str.split (a third of the time of a regex findall).
_ASCII_SEPARATORS = str.maketrans({chr(c): " " for c in range(128) if not chr(c).isalpha()})

def _folded(text: str) -> str:
    """``text`` in NFKC, the form `aisec_sdk.text.normalize` gives the scanned text (Thai
    vowels, some Bengali and Devanagari letters decompose)."""
    return unicodedata.normalize("NFKC", text)


# Up to ``n`` filler words between two parts of a phrase.
def _gap(n: int) -> str:
    return rf"(?:\W+\w+){{0,{n}}}?\W+"


_IGNORE = (
    r"(?:ignore|ignoring|disregard|forget|overrid\w*|bypass|skip|drop|abandon|discard|neglect"
    r"|ignoriere\w*|vergiss|vergessen|missachte\w*|ignorier\w*"
    r"|ignore[zr]?|oublie[zr]?|ne\W+tiens\W+pas"
    r"|ignora\w*|olvida\w*|omite|omitir|descarta\w*"
    r"|игнорир\w*|проигнорир\w*|забудь\w*|забыть|отбрось\w*"
    r"|dimentica\w*|trascura\w*|esque[çc]\w*|desconsider\w*|negeer\w*|vergeet"
    r"|zignoruj\w*|ignoruj\w*|zapomnij\w*|abaikan|lupakan|bỏ\W+qua|quên|phớt\W+lờ"
    r"|kalimutan|balewalain|zaboravi\w*)"
)
_PREVIOUS = (
    r"(?:previous|prior|above|earlier|preceding|initial|original|all|any|every|your|the|these"
    r"|those|system|old|vorherigen?|bisherigen?|obigen?|alle[ns]?|deine|ihre|vorigen"
    r"|précédentes?|precedentes?|toutes?|tes|vos|anteriores?|todas?|tus|sus|previas?"
    r"|предыдущ\w*|все|прошл\w*|ранее|свои|твои|ваши"
    r"|precedenti|tutte|tue|suas|eerdere|vorige|poprzednie|wszystkie|semua|tất\W+cả)"
)
_RULES = (
    r"(?:instructions?|prompts?|rules?|directives?|guidelines?|directions?|commands?|orders?"
    r"|context|programming|restrictions?|constraints?|tasks?|policy|policies|text|messages?"
    r"|anweisungen|anweisung|regeln|vorgaben|befehle|aufgaben?|richtlinien|einschränkungen"
    r"|consignes|règles|regles|directives|contraintes|indications"
    r"|instrucciones|reglas|indicaciones|órdenes|ordenes|restricciones|directrices"
    r"|инструкци\w*|правил\w*|указани\w*|ограничени\w*|команд\w*|задани\w*"
    r"|istruzioni|regole|indicazioni|direttive|instruções|instrucoes|regras|diretrizes"
    r"|instructies|regels|instrukc\w*|polece\w*|zasady|instruksi|perintah|aturan|petunjuk"
    r"|hướng\W+dẫn|chỉ\W+dẫn|chỉ\W+thị|quy\W+tắc|tagubilin)"
)
_REVEAL = (
    r"(?:reveal|print|show|repeat|output|leak|tell|give|display|write|spell|say|share|disclose"
    r"|recite|dump|list|provide|return|echo|type"
    r"|zeig\w*|verrat\w*|gib|nenne\w*|wiederhole\w*|ausgeben|schreib\w*|sag\w*"
    r"|révèle\w*|revele\w*|montre\w*|affiche\w*|répète\w*|repete\w*|donne\w*|dis"
    r"|revela\w*|muestra\w*|dime|repite\w*|imprime\w*|escribe\w*|da(?:me)?"
    r"|покажи\w*|раскрой\w*|выведи\w*|повтори\w*|скажи\w*|напиши\w*|назови\w*"
    r"|rivela\w*|mostra\w*|dimmi|dammi|ripeti\w*|stampa\w*|scrivi\w*|revele|mostre|diga"
    r"|repita|escreva|toon|geef|herhaal|vertel|pokaż|podaj|powiedz|berikan|tunjukkan"
    r"|katakan|sebutkan|ulangi|beri|tiết\W+lộ|hiển\W+thị|cho\W+tôi\W+biết)"
)
_SECRET = (
    r"(?:system\W+(?:prompt|message|instructions?)|initial\W+(?:prompt|instructions?)"
    r"|(?:hidden|secret|original|your)\W+(?:prompt|instructions?)|pre-?prompt"
    r"|(?:text|words|everything|instructions)\W+(?:above|before)|password|passwort|mot de passe"
    r"|contraseña|contrasena|пароль\w*|secret\W+(?:key|word|code)|passphrase|pass\W?word"
    r"|systemprompt|system-?anweisung\w*|prompt\W+(?:système|systeme)|indicación del sistema"
    r"|системн\w+\W+(?:промпт|подсказк\w*|инструкци\w*|сообщени\w*)"
    r"|chiave\W+segreta|senha|chave\W+secreta|wachtwoord|hasł\w*|şifre\w*|kata\W+sandi"
    r"|kunci\W+rahasia|mật\W+khẩu|khóa\W+bí\W+mật|clé\W+secrète|clave\W+secreta"
    r"|geheime[nr]?\W+schlüssel|секретн\w*\W+ключ\w*|prompt\W+(?:di|do|del)\W+sistema)"
)

# Chinese has no word boundaries; its phrases join the concept patterns below, so weights
# learned from English carry over to it.
_ZH_OVERRIDE = (
    r"(?:忽略|无视|忽视|忘记|忘掉|不要理会|跳过)[^。\uff01\uff1f\n]{0,12}"
    r"(?:指令|指示|规则|提示|要求|设定|命令)"
)
_ZH_SECRET = r"(?:系统提示|系统指令|初始指令|提示词|密码|口令)"

# A rule word followed within a few words by a word saying it was given before, for the
# languages that put "previous" after the noun ("las instrucciones anteriores").
_AFTER = (
    r"(?:above|before|earlier|so\W+far|précédentes?|precedentes?|precedenti|anteriores?"
    r"|previas?|vorherigen|bisherigen|предыдущие|sebelumnya|trước\W+đó|voorgaande)"
)
# Ignore-the-instructions in scripts without spaces between words or with the verb last
# (JA, KO, HI, BN, TR), and AR / TH: noun and verb within a short span.
_INTL_OVERRIDE = (
    r"(?:指示|命令|ルール|規則|指令|プロンプト)[^。\n]{0,8}(?:無視|忘れ)"
    r"|(?:지시|명령|규칙|지침|프롬프트)[^.\n]{0,10}(?:무시|잊)"
    r"|(?:निर्देश|नियम|आदेश)[^।.\n]{0,25}(?:अनदेखा|भूल|अवहेलना|नजरअंदाज|नज़रअंदाज़|उपेक्षा)"
    r"|(?:নির্দেশ|নিয়ম|আদেশ)[^।.\n]{0,25}(?:উপেক্ষা|ভুলে|অগ্রাহ্য)"
    r"|(?:تجاهل|انس|تغاض|أهمل|اهمل)[^.\n؟]{0,25}(?:تعليمات|التعليمات|الأوامر|القواعد|الإرشادات)"
    r"|(?:ลืม|ไม่ต้องสนใจ|อย่าสนใจ|อย่าไปสนใจ|เพิกเฉย|ละเว้น)[^\n]{0,20}(?:คำสั่ง|คำแนะนำ|กฎ)"
    r"|\b(?:talimat|kural|yönerge|komut)\w*(?:\W+\w+){0,2}?\W+(?:yok\W+say|görmezden\W+gel"
    r"|unut|dikkate\W+alma)"
)
_INTL_OVERRIDE_WORDS = (
    "無視", "忘れ", "무시", "잊", "अनदेखा", "भूल", "अवहेलना", "नजरअंदाज", "नज़रअंदाज़", "उपेक्षा",
    "উপেক্ষা", "ভুলে", "অগ্রাহ্য", "تجاهل", "انس", "تغاض", "أهمل", "اهمل", "ลืม", "สนใจ",
    "เพิกเฉย", "ละเว้น", "yok", "görmezden", "unut", "dikkate",
)
# Asking for a password / secret key / system prompt in those scripts.
_INTL_SECRET = (
    r"(?:パスワード|秘密の鍵|秘密鍵|システムプロンプト|合言葉)[^。\n]{0,8}(?:教えて|は何|を表示|を出力"
    r"|を見せ|を言って)"
    r"|(?:비밀번호|암호|비밀\W?키|시스템\W?프롬프트)[^.\n]{0,10}(?:알려|뭐|무엇|보여|말해|출력)"
    r"|(?:पासवर्ड|गुप्त कुंजी|सिस्टम प्रॉम्प्ट)[^।\n]{0,20}(?:क्या|बताएं|बताओ|बताइए|दिखाएं|दें|दो)"
    r"|(?:পাসওয়ার্ড|গোপন চাবি)[^।\n]{0,20}(?:কি|কী|বলুন|বলো|দিন|দাও)"
    r"|(?:ما|أخبرني|اخبرني|أعطني|اعطني|اكشف)[^.\n؟]{0,20}(?:كلمة المرور|كلمة السر|المفتاح السري"
    r"|مفتاحك السري)"
    r"|รหัสผ่าน[^\n]{0,15}(?:คืออะไร|บอก)"
)
_INTL_SECRET_WORDS = (
    "パスワード", "秘密", "システムプロンプト", "合言葉", "비밀", "암호", "시스템", "पासवर्ड", "गुप्त",
    "सिस्टम", "পাসওয়ার্ড", "গোপন", "كلمة", "المفتاح", "مفتاحك", "รหัสผ่าน",
)

# name -> pattern over lower-cased text. Weights are learned; names are stable feature ids.
PATTERNS: dict[str, str] = {
    "override": rf"\b{_IGNORE}{_gap(3)}(?:{_PREVIOUS}{_gap(3)}{_RULES}|{_RULES}{_gap(2)}{_AFTER})"
    rf"\b|{_ZH_OVERRIDE}|{_INTL_OVERRIDE}",
    "override_loose": rf"\b{_IGNORE}{_gap(2)}{_RULES}\b",
    "override_short": rf"\b{_IGNORE}\W+(?:that|this|everything|all(?:\W+(?:of\W+)?(?:it|that))?"
    r"|alles|tout|todo|всё|все|(?:(?:the|all|everything)\W+)?(?:above|previous|prior|preceding"
    r"|earlier|before|oben|ci-dessus|anterior))\b",
    "new_rules": r"\b(?:new|updated|real|actual|true|neue[n]?|nouvelles?|nuevas?|новые)\W+"
    r"(?:instructions?|rules|task|anweisungen|regeln|consignes|instrucciones|инструкции)\s*:",
    "from_now_on": r"\b(?:from\W+now\W+on|ab\W+(?:jetzt|sofort)|à\W+partir\W+de\W+maintenant"
    r"|a\W+partir\W+de\W+ahora|desde\W+ahora|отныне|\u0441\W+этого\W+момента"
    r"|d\W?a\W+ora\W+in\W+poi|a\W+partir\W+de\W+agora|vanaf\W+nu|od\W+teraz"
    r"|mulai\W+sekarang|từ\W+bây\W+giờ|bundan\W+sonra)\b|今後|これから|지금부터|अब\W+से",
    "persona": r"\b(?:you\W+are\W+(?:now|going\W+to\W+(?:act|be|pretend))|pretend\W+(?:to\W+be"
    r"|you\W+are|that\W+you)|act\W+as\W+(?:if\W+you|an?\W+(?:unfiltered|uncensored|evil|jail))"
    r"|roleplay\W+as|du\W+bist\s+(?:jetzt|nun|ab\W+sofort)|(?:jetzt|nun)\W+bist\W+du|tu\W+es\W+maintenant"
    r"|ahora\W+eres|теперь\W+ты|ora\W+sei|agora\W+(?:você\W+)?(?:é|és)|je\W+bent\W+nu"
    r"|jesteś\W+teraz|sekarang\W+(?:kamu|anda)\W+(?:adalah|ialah)|bây\W+giờ\W+bạn\W+là"
    r"|art\u0131k\W+sen)\b|你现在是|从现在开始|扮演|假装|今からあなたは|あなたは今"
    r"|지금부터\W*당신은|이제\W*당신은",
    "jailbreak_name": r"\b(?:dan|stan|dude|aim|jailbreak\w*|jailbroken|developer\W+mode"
    r"|dev\W+mode|god\W+mode|evil\W+(?:bot|confidant|mode)|do\W+anything\W+now"
    r"|anti-?gpt|betterdan|chaos\W+mode|opposite\W+mode)\b|开发者模式|越狱",
    "no_limits": r"\b(?:no|without|free\W+(?:of|from)|beyond|ohne|sans|sin|без)\W+(?:any\W+)?"
    r"(?:restrictions?|limits?|limitations?|filters?|censorship|rules|guidelines|morals?"
    r"|ethics|boundaries|einschränkungen|regeln|restrictions|límites|limites|ограничений)\b"
    r"|\b(?:unfiltered|uncensored|unrestricted|unbound|amoral|unethical)\b"
    r"|\b(?:senza|sem|zonder|bez|tanpa)\W+(?:restrizioni|limiti|regole|filtri|censura"
    r"|restrições|limites|regras|filtros|censura|beperkingen|regels|ograniczeń|zasad|cenzury"
    r"|batasan|aturan|sensor)\b|không\W+(?:có\W+)?(?:giới\W+hạn|hạn\W+chế|kiểm\W+duyệt)"
    r"|(?:不受|没有|无)任何(?:限制|约束|规则)|制限なし|制限のない|無制限|검열\W?없|제한\W?없|제한이\W?없",
    "refusal_suppression": r"\b(?:never|not|don'?t|do\W+not|cannot|can'?t|must\W+not)\W+"
    r"(?:refuse|decline|apologi[sz]e|say\W+(?:no|sorry|you\W+can'?t)|warn|add\W+(?:any\W+)?"
    r"(?:warnings?|disclaimers?)|break\W+character|mention\W+(?:openai|policy|policies))\b"
    r"|\bstay\W+in\W+character\b",
    "policy_evasion": r"\b(?:openai|content|safety|usage)\W+(?:policy|policies|guidelines|filters?)"
    r"\b",
    "role_tag": r"(?:^|\n)[ \t]*(?:\[|<\|?|#{2,}[ \t]*)?(?:system|admin|developer|root|assistant"
    r"|sudo)[ \t]*(?:\]|\|?>|:)|<\|im_start\|>|<\|endoftext\|>|\[/?inst\]|<<sys>>|</?system>"
    r"|<\|(?:system|user|assistant|im_end|eot_id|start_header_id)\|>|#{2,}[ \t]*(?:instruction"
    r"|system|response)s?[ \t]*:?[ \t]*\n|\[(?:system|admin|developer)(?:[ \t]+(?:message|note"
    r"|prompt|override|instructions?))?\]|\((?:system|admin)[ \t]+(?:message|note|prompt)\)",
    "admin_claim": r"\b(?:i\W+am\W+(?:your|the)\W+(?:developer|admin\w*|creator|owner|boss)"
    r"|admin(?:istrator)?\W+(?:mode|access|override|privileges)|debug\W+mode"
    r"|maintenance\W+mode|sudo\W+mode)\b",
    "extract": rf"\b{_REVEAL}{_gap(4)}{_SECRET}"
    rf"|(?:告诉我|显示|输出|重复|打印|说出|透露|泄露)[^。\uff01\uff1f\n]{{0,10}}{_ZH_SECRET}"
    rf"|{_INTL_SECRET}",
    "what_is_secret": r"\b(?:what\W+(?:is|was|'s)\W+(?:the|your)|quelle\W+est\W+(?:ta|votre|le)"
    r"|qual\W+(?:è|é|e)\W+(?:la\W+|a\W+)?(?:tua|sua|la|a|o)|cuál\W+es\W+(?:tu|la|su|el)"
    r"|(?:was|wie)\W+(?:ist|lautet)\W+(?:dein|das|ihr|der)|wat\W+is\W+(?:je|jouw|het|uw)"
    r"|какой\W+(?:твой|ваш|\u0443\W+тебя)|apa\W+(?:itu\W+)?)\W*(?:password|secret|prompt"
    r"|instructions?|passphrase|passwort|mot\W+de\W+passe|contraseña|senha|wachtwoord|пароль"
    r"|clé\W+secrète|chiave\W+segreta|clave\W+secreta|chave\W+secreta|kata\W+sandi"
    r"|geheime\w*\W+schlüssel|секретный\W+ключ|kunci\W+rahasia)\b",
    "exfiltration": r"\b(?:send|post|forward|upload|transmit|email|append|leak|exfiltrat\w*)"
    r"\W+(?:\w+\W+){0,5}?(?:to\W+)?(?:https?://|www\.|\w+@\w+\.\w+|the\W+url|this\W+url"
    r"|the\W+following\W+(?:url|address|endpoint))"
    r"|!\[[^\]\n]{0,80}\]\(https?://[^)\s]{1,200}[?&=]",
    "ai_addressed": r"\b(?:any|all|every)\W+(?:ai|llm|assistant|language\W+model|chatbot|agent)s?"
    r"\W+(?:(?:that\W+(?:is\W+)?|who\W+(?:is\W+)?)?(?:reading|processing|summari[sz]\w*|reads"
    r"|parsing|sees))\b"
    r"|\b(?:dear|hey|hi|attention|note\W+to(?:\W+the)?|to\W+the|instructions?"
    r"\W+for(?:\W+the)?|if\W+you\W+are\W+an?)\W+(?:ai|assistant|chatbot|language\W+model|llm"
    r"|gpt|chatgpt|bot|model|agent)\b|\b(?:ai|assistant|chatbot|llm|agent)\W*[,:]\W*(?:please"
    r"\W+)?(?:ignore|do|you\W+must|instead|stop|now|forget|include|respond|reply|answer)\b",
    "when_processing": r"\b(?:when|while|if|before|after)\W+(?:you\W+)?(?:are\W+)?"
    r"(?:summari[sz]\w*|reading|processing|answering|responding|replying|translating|analy[sz]\w*)"
    r"\W+(?:this|the)\W+(?:\w+\W+){0,3}?(?:email|document|page|text|message|content|table|data"
    r"|question|code)\b",
    "instead": r"\b(?:instead|rather)\W+(?:of\W+(?:\w+\W+){0,4}?)?(?:just\W+)?(?:say|print|output"
    r"|write|respond|reply|answer|tell)\b|\b(?:only|just)\W+(?:say|print|output|respond\W+with"
    r"|reply\W+with|write)\b",
    "obfuscation_request": r"\b(?:base64|base\W64|rot13|rot-13|hex\W?encod\w*|caesar\W+cipher"
    r"|backwards|reversed?\W+(?:order|text)|in\W+reverse|leetspeak|morse|spell\W+it\W+out"
    r"|one\W+letter\W+at\W+a\W+time|separated\W+by|each\W+(?:letter|character))\b",
    "payload_split": r"\b(?:concatenate|combine|join)\W+(?:\w+\W+){0,4}?(?:strings?|parts|"
    r"variables?|a\W+and\W+b|them)\b|\b[a-z]\d?\s*=\s*['\"][^'\"\n]{1,80}['\"]\s*[;\n,]\s*"
    r"[a-z]\d?\s*=\s*['\"]",
    "pwned": r"\b(?:i\W+have\W+been\W+\w*|pwn\w*|hacked\W+by)\b",
    "secret_spelling": r"\b(?:letters?|characters?|chars?|digits?|syllables?|half|length|hints?"
    r"|clues?)\W+(?:\w+\W+){0,2}?(?:of|in|from)\W+(?:the|your|this|that)\W+(?:secret\W+)?"
    r"(?:password|passphrase|passcode|pass\W?word|secret|code\W?word|magic\W+word)\b",
    # Structural cues of instructions hidden in data: markup comments that talk to the
    # model, "IMPORTANT:" + an imperative, directives about the model's own response.
    "hidden_markup": r"<!--[^>]{0,300}?\b(?:ai|assistant|model|llm|chatbot|agent|instructions?"
    r"|ignore|disregard|you\W+(?:must|should|will|are)|do\W+not|respond|reply|summar\w*"
    r"|print|say|tell|system)\b",
    "important_imperative": r"(?:^|\n|[^\w\s])[ \t]*(?:important|attention|urgent|warning"
    r"|note|nb|p\.?s|reminder|system\W+note|wichtig|achtung|importante|urgente|внимание"
    r"|важно)\s*[:!]+\s*(?:\w+\W+){0,3}?(?:you\W+(?:must|should|need|have\W+to|are\W+required"
    r"|will)|ignore|disregard|forget|do\W+not|don'?t|never|always|instead|respond|reply|answer"
    r"|print|include|append|add|send|say|tell|write|output|make\W+sure|stop)\b",
    "response_directive": r"\b(?:in|at\W+the\W+(?:start|end|beginning|top|bottom)\W+of|begin"
    r"|start|end|conclude|finish|prefix)\W+your\W+(?:response|answer|reply|output|summary"
    r"|message)s?\b|\byour\W+(?:response|answer|reply|output|summary)\W+(?:must|should"
    r"|has\W+to|needs\W+to|will)\b",
}

PATTERNS = {name: _folded(rx) for name, rx in PATTERNS.items()}

# Patterns whose findings are system-prompt extraction (LLM07) rather than LLM01.
EXTRACTION_PATTERNS = frozenset({"extract", "what_is_secret"})

_ZH_OVERRIDE_WORDS = ("忽略", "无视", "忽视", "忘记", "忘掉", "不要理会", "跳过")
_ZH_SECRET_WORDS = ("系统提示", "系统指令", "初始指令", "提示词", "密码", "口令")
_SECRET_WORDS = (
    "system", "initial", "prompt", "instruction", "above", "before", "everything", "password",
    "passwort", "mot de passe", "contraseña", "contrasena", "пароль", "secret", "passphrase",
    "pass", "anweisung", "système", "systeme", "indicación", "системн", *_ZH_SECRET_WORDS,
    "chiave", "senha", "chave", "wachtwoord", "hasł", "şifre", "sandi", "kunci", "mật", "khóa",
    "clé", "clave", "schlüssel", "секретн", "sistema", *_INTL_SECRET_WORDS,
)
_IGNORE_WORDS = (
    "ignor", "disregard", "forget", "overrid", "bypass", "skip", "drop", "abandon", "discard",
    "neglect", "vergiss", "vergessen", "missachte", "oublie", "tiens", "olvida", "omit",
    "descarta", "игнор", "проигнор", "забуд", "забыть", "отбрось", "dimentica", "trascura",
    "esque", "desconsider", "negeer", "vergeet", "zapomnij", "abaikan", "lupakan", "bỏ", "quên",
    "phớt", "kalimutan", "balewalain", "zaboravi",
)

# Substrings one of which must occur for a pattern to match: a cheap ``in`` test that
# spares running the regular expression on most windows. Each is implied by its pattern.
TRIGGERS: dict[str, tuple[str, ...]] = {
    "override": (*_IGNORE_WORDS, *_ZH_OVERRIDE_WORDS, *_INTL_OVERRIDE_WORDS),
    "override_loose": _IGNORE_WORDS,
    "override_short": _IGNORE_WORDS,
    "new_rules": ("instruction", "rules", "task", "anweisung", "regeln", "consignes",
                  "instrucciones", "инструкции"),
    "from_now_on": ("now", "jetzt", "sofort", "maintenant", "ahora", "отныне", "момента", "poi",
                    "agora", "vanaf", "teraz", "sekarang", "bây", "sonra", "今後", "これから",
                    "지금부터", "अब"),
    "persona": ("now", "going", "pretend", "act", "roleplay", "bist", "maintenant", "eres",
                "теперь", "你现在是", "从现在开始", "扮演", "假装", "sei", "agora", "bent",
                "jesteś", "sekarang", "bây", "art\u0131k", "今から", "あなたは今", "지금부터",
                "이제"),
    "jailbreak_name": ("dan", "stan", "dude", "aim", "jailb", "mode", "evil", "anything", "anti",
                       "开发者模式", "越狱"),
    "no_limits": ("restrict", "limit", "filter", "censor", "rules", "guidelines", "moral",
                  "ethic", "bound", "einschränkungen", "regeln", "límites", "ограничений", "任何",
                  "senza", "sem", "zonder", "bez", "tanpa", "không", "制限", "검열", "제한"),
    "refusal_suppression": ("refuse", "decline", "apologi", "say", "warn", "disclaimer",
                            "character", "mention"),
    "policy_evasion": ("polic", "guidelines", "filter"),
    "role_tag": ("system", "admin", "developer", "root", "assistant", "sudo", "<|", "inst]",
                 "<<sys>>", "instruction", "response"),
    "admin_claim": ("am", "admin", "debug", "maintenance", "sudo"),
    "extract": _SECRET_WORDS,
    "what_is_secret": ("what", "quelle", "qual", "cuál", "was", "wie", "wat", "какой", "apa"),
    "exfiltration": ("http", "www.", "@", "url", "address", "endpoint", "]("),
    "ai_addressed": ("ai", "assistant", "chatbot", "model", "llm", "gpt", "bot", "agent"),
    "when_processing": ("summari", "reading", "processing", "answering", "responding",
                        "replying", "translating", "analy"),
    "instead": ("instead", "rather", "only", "just"),
    "obfuscation_request": ("base", "rot", "hex", "caesar", "backwards", "revers", "leetspeak",
                            "morse", "spell", "letter", "separated", "character"),
    "payload_split": ("concatenate", "combine", "join", "="),
    "pwned": ("been", "pwn", "hacked"),
    "secret_spelling": ("letter", "char", "digit", "syllable", "half", "length", "hint", "clue"),
    "hidden_markup": ("<!--",),
    "important_imperative": ("important", "attention", "urgent", "warning", "note", "nb", "ps",
                             "p.s", "reminder", "wichtig", "achtung", "внимание", "важно"),
    "response_directive": ("response", "answer", "reply", "output", "summary", "message"),
}

TRIGGERS = {name: tuple(map(_folded, words)) for name, words in TRIGGERS.items()}

_COMPILED: dict[str, re.Pattern[str]] = {name: re.compile(rx) for name, rx in PATTERNS.items()}


def _trigger_set() -> tuple[Any, tuple[str, ...]]:
    """One RE2 set over the patterns' triggers: a single pass tells which can match."""
    options = re2.Options()
    options.max_mem = 64 << 20
    compiled = re2.Set.SearchSet(options)
    names = tuple(TRIGGERS)
    for name in names:
        compiled.Add("|".join(re2.escape(t) for t in sorted(TRIGGERS[name])).encode())
    compiled.Compile()
    return compiled, names


_TRIGGER_SET, _TRIGGER_NAMES = _trigger_set()


def tokens(lowered: str) -> list[str]:
    """Word tokens of lower-cased text (each CJK character is a token)."""
    if lowered.isascii():
        return lowered.translate(_ASCII_SEPARATORS).split()
    return _TOKEN.findall(lowered)


def triggered(lowered: str) -> set[str]:
    """Names of the patterns whose triggers occur in lower-cased text (those that can match)."""
    found = _TRIGGER_SET.Match(lowered.encode("utf-8", "surrogatepass")) or ()
    return {_TRIGGER_NAMES[i] for i in found}


def pattern_matches(name: str, lowered: str) -> bool:
    """Whether pattern ``name`` matches lower-cased text."""
    return _COMPILED[name].search(lowered) is not None


def matched_patterns(
    lowered: str, candidates: set[str] | None = None
) -> list[tuple[str, int, int]]:
    """(name, start, end) of the first match of every pattern in lower-cased text; only the
    ``candidates`` are tried when given (default: the triggered ones)."""
    if candidates is None:
        candidates = triggered(lowered)
    found: list[tuple[str, int, int]] = []
    for name in sorted(candidates):
        m = _COMPILED[name].search(lowered)
        if m is not None:
            found.append((name, m.start(), m.end()))
    return found


def ngrams(lowered: str) -> set[str]:
    """The distinct unigram and bigram feature ids of lower-cased text."""
    toks = tokens(lowered)
    out = set(toks)
    out.update(map(" ".join, pairwise(toks)))
    return out


def features(lowered: str) -> set[str]:
    """The distinct feature ids of lower-cased text: n-grams and ``#pattern`` hits."""
    out = ngrams(lowered)
    out.update(f"#{name}" for name, _, _ in matched_patterns(lowered))
    return out

# Substrings (of lower-cased text) that always open the gate of the fast tier, whatever
# training learned: the core English vocabulary of attacks and its DE/FR/ES/RU/ZH
# counterparts. Training adds the most telling learned words to these.
CORE_ANCHORS: tuple[str, ...] = (
    # English
    "ignore", "disregard", "instruc", "jailbr", "system prompt", "pretend", "password",
    "passphrase", "bypass", "overrid", "developer mode", "anything now", "unfiltered",
    "uncensored", "unrestricted", "restriction", "stay in character", "from now on",
    "you are now", "pwned", "base64", "rot13", "im_start", "[inst]", "<<sys>>", "new task",
    "forget", "reveal", "secret", "confidential", "roleplay", "role-play", "prompt",
    "no longer", "guidelines", "policy", "policies", "openai", "filter",
    # instructions planted in data address the model or its answer
    "in your response", "ai assistant", "assistant:", "to the ai", "dear ai", "important:",
    "### instruction",
    # German
    "ignorier", "vergiss", "vergessen", "anweisung", "missachte", "passwort", "du bist jetzt",
    "ab jetzt", "ab sofort", "regeln",
    # French
    "oublie", "consigne", "mot de passe", "partir de maintenant", "règles", "tu es maintenant",
    # Spanish
    "ignora", "olvida", "contraseña", "reglas", "desde ahora", "ahora eres",
    # Russian
    "игнорир", "проигнорир", "забудь", "инструкц", "пароль", "правил", "теперь ты",
    "системн", "отныне", "ограничен",
    # Chinese
    "忽略", "无视", "忽视", "忘记", "指令", "提示词", "系统提示", "密码", "口令", "越狱",
    "扮演", "假装", "从现在开始", "你现在是", "限制",
    # Italian, Portuguese, Dutch, Polish, Turkish, Indonesian, Vietnamese, Tagalog
    "dimentica", "istruzion", "esqueç", "instruç", "senha", "negeer", "vergeet", "instructies",
    "wachtwoord", "ignoruj", "zapomnij", "instrukcj", "hasło", "talimat", "görmezden", "şifre",
    "abaikan", "lupakan", "instruksi", "kata sandi", "bỏ qua", "hướng dẫn", "mật khẩu",
    "kalimutan", "tagubilin",
    # Japanese, Korean, Hindi, Bengali, Arabic, Thai
    "無視", "指示", "パスワード", "무시", "지시", "비밀번호", "निर्देश", "अनदेखा", "पासवर्ड",
    "নির্দেশ", "উপেক্ষা", "পাসওয়ার্ড", "تجاهل", "تعليمات", "كلمة المرور", "คำสั่ง", "คำแนะนำ",
    "รหัสผ่าน",
)
CORE_ANCHORS = tuple(map(_folded, CORE_ANCHORS))

# Words whose encoded spellings (base64, hex, ROT13, reversed, leetspeak, spaced letters)
# also open the gate, so an encoded payload is noticed without decoding the whole text.
OBFUSCATION_ANCHORS: tuple[str, ...] = (
    "ignore", "instructions", "previous", "password", "disregard", "jailbreak", "forget",
    "reveal", "secret", "pretend", "bypass", "override", "restrictions", "prompt", "system",
)
