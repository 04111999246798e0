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
from collections.abc import Callable
from functools import cache
from itertools import pairwise
from typing import Any

import re2  # type: ignore[import-untyped]

from aisec_sdk.text import re2_options
from aisec_sdk.verdict import Direction

__all__ = [
    "CONTEXT_ANCHORS",
    "CONTEXT_PATTERNS",
    "CORE_ANCHORS",
    "EXTRACTION_PATTERNS",
    "OBFUSCATION_ANCHORS",
    "PATTERNS",
    "TRIGGERS",
    "features",
    "left_out",
    "matched_patterns",
    "ngrams",
    "pattern_matcher",
    "reads_as_data",
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
# What _TOKEN finds in ASCII text, faster: every byte but a letter becomes a space, then
# split (a sixth of the time of a regex findall).
_ASCII_SEPARATORS = bytes(c if chr(c).isalpha() and c < 128 else 32 for c in range(256))

def _folded(text: str) -> str:
    """``text`` in the form `aisec_sdk.text.normalize` gives the scanned text: NFKC (Thai
    vowels, some Bengali and Devanagari letters decompose), and the Turkish dotless i as
    "i" (a look-alike that normalisation folds wherever it touches a Latin letter, so in
    every Turkish word)."""
    return unicodedata.normalize("NFKC", text).replace("\u0131", "i")


# Up to ``n`` filler words between two parts of a phrase.
def _gap(n: int) -> str:
    return rf"(?:\W+\w+){{0,{n}}}?\W+"


# an ignore-verb starting a word, not in a command-line option or a path ("--ignore-all-space"):
# the character before it is matched (no look-behind, so that RE2 runs the patterns)
_IGNORE = (
    r"(?:^|[^\w/-])(?:ignore|ignoring|disregard|forget|overrid\w*|bypass|skip|drop|abandon"
    r"|discard|neglect"
    r"|ignoriere\w*|vergiss|vergessen|missachte\w*|ignorier\w*"
    r"|ignore[zr]?|oublie[zr]?|ne\W+tiens\W+pas"
    r"|ignora\w*|olvid[ae]\w*|omite|omitir|descarta\w*|(?:haz|hagan?)\W+caso\W+omiso"
    r"|no\W+hagas\W+caso"
    r"|игнорир\w*|проигнорир\w*|забудь\w*|забыть|отбрось\w*"
    r"|dimentica\w*|trascura\w*|esque[çc]\w*|desconsider\w*|negeer\w*|vergeet"
    r"|zignoruj\w*|ignoruj\w*|zapomnij\w*|abaikan|lupakan|bỏ\W+qua|quên|phớt\W+lờ"
    r"|kalimutan|balewalain|zaboravi\w*|ігнору\w*|проігнору\w*|знехтуй\w*"
    r"|stop\W+(?:following|obeying)|cease\W+following)"
)
_PREVIOUS = (
    r"(?:previous|prior|above|earlier|preceding|initial|original|all|any|every|your|the|these"
    r"|those|system|old|vorherigen?|bisherigen?|obigen?|alle[ns]?|deine|ihre|vorigen"
    r"|précédentes?|precedentes?|toutes?|tes|vos|anteriores?|todas?|tus|sus|previas?"
    r"|предыдущ\w*|все|прошл\w*|ранее|свои|твои|ваши"
    r"|precedenti|tutte|tue|suas|eerdere|vorige|poprzednie|wszystkie|semua|tất\W+cả"
    r"|попередн\w*|усі|всі|свої|твої)"  # noqa: RUF001
)
_RULES = (
    r"(?:instructions?|prompts?|rules?|directives?|guidelines?|directions?|commands?|orders?"
    r"|context|programming|restrictions?|constraints?|tasks?|policy|policies|text|messages?"
    r"|guidance|guardrails?|safeguards?"
    r"|anweisungen|anweisung|regeln|vorgaben|befehle|aufgaben?|richtlinien|einschränkungen"
    r"|consignes|règles|regles|directives|contraintes|indications"
    r"|instrucciones|reglas|indicaciones|órdenes|ordenes|restricciones|directrices"
    r"|инструкци\w*|правил\w*|указани\w*|ограничени\w*|команд\w*|задани\w*"
    r"|інструкці\w*|вказівк\w*|обмежен\w*"
    r"|istruzioni|regole|indicazioni|direttive|instruções|instrucoes|regras|diretrizes"
    r"|instructies|regels|instrukc\w*|polece\w*|zasady|instruksi|perintah|aturan|petunjuk"
    r"|hướng\W+dẫn|chỉ\W+dẫn|chỉ\W+thị|quy\W+tắc|tagubilin)"
)
# Verbs that hand something over to whoever asks ("give", "share", "type"): "give me your
# password" asks for the secret, "never share your password", "type your password" advise the
# reader about their own; with a secret they count only before "me" / "the", not "your".
# (``type="password"`` is an HTML form's field, not a verb.)
_HAND_OVER = r"(?:give|write|share|provide|return|type(?![ \t]*[=:]))"
# advice, not a request: "employees must not share passwords" ("do not reveal the password"
# and "never reveal the password" are a password game's reverse psychology)
_NOT = r"(?<!\bmust\Wnot\W)(?<!\bshould\Wnot\W)"
# "the instructions I gave you", "the prompt we drafted": what the user wrote, not what the
# model was given
_USERS_OWN = (
    r"(?!\W+(?:that\W+|which\W+)?(?:i|we)\W+(?:just\W+|have\W+|had\W+)?(?:gave|given|sent"
    r"|wrote|written|drafted|provided|shared|pasted|posted|mentioned|listed|attached|described"
    r"|made)\b)"
)
_REVEAL_ONLY = (
    r"(?:reveal|print|show|repeat|output|leak|tell|display|spell|say|disclose|recite|dump|list"
    r"|echo"
    r"|zeig\w*|verrat\w*|gib|nenne\w*|wiederhole\w*|ausgeben|schreib\w*|sag\w*"
    r"|révèle\w*|revele\w*|montre\w*|affiche\w*|répète\w*|repete\w*|donne\w*|dis"
    r"|revela\w*|muestra\w*|muéstra\w*|dime|repite\w*|imprime\w*|escribe\w*|da(?:me)?"
    r"|покажи\w*|раскрой\w*|выведи\w*|повтори\w*|скажи\w*|напиши\w*|назови\w*"
    r"|rivela\w*|mostra\w*|dimmi|dammi|ripeti\w*|stampa\w*|scrivi\w*|revele|mostre|diga"
    r"|repita|escreva|toon|geef|herhaal|vertel|pokaż|podaj|powiedz|wypisz|berikan|tunjukkan"
    r"|katakan|sebutkan|ulangi|beri|tiết\W+lộ|hiển\W+thị|cho\W+tôi\W+biết)"
)
_REVEAL = rf"(?:{_REVEAL_ONLY}|{_HAND_OVER})"
_SECRET = (
    r"(?:system[\W_]+(?:prompt|message|instructions?)|initial\W+(?:prompt|instructions?)"
    r"|initiali[sz]ation\W+(?:text|prompt|instructions?|message)"
    r"|developer\W+(?:message|instructions?|prompt)"
    r"|(?:hidden|secret|original|your)\W+(?:prompt|instructions?)|pre-?prompt"
    r"|(?:text|words|everything|instructions)\W+(?:above|before)|context\W+window|password"
    r"|passwort|mot de passe"
    r"|contraseña|contrasena|пароль\w*|secret\W+(?:key|word|code)|passphrase|pass\W?word"
    r"|systemprompt|system-?anweisung\w*|prompt\W+(?:système|systeme)|indicación del sistema"
    r"|системн\w+\W+(?:промпт|подсказк\w*|инструкци\w*|сообщени\w*)"
    r"|chiave\W+segreta|senha|chave\W+secreta|wachtwoord|hasł\w*|şifre\w*|kata\W+sandi"
    r"|kunci\W+rahasia|mật\W+khẩu|khóa\W+bí\W+mật|clé\W+secrète|clave\W+secreta"
    r"|geheime[nr]?\W+schlüssel|секретн\w*\W+ключ\w*|prompt\W+(?:di|do|del)\W+sistema"
    r"|instrucciones\W+(?:de|del)\W+sistema|instructions?\W+(?:du\W+)?syst[eè]me"
    r"|istruzioni\W+(?:di|del)\W+sistema|instruções\W+do\W+sistema|systeem(?:instructies|prompt)"
    r"|prompt\W+systemowy|instrukcje\W+systemowe|sistem\W+(?:talimat\w*|istem\w*))"
)
# "write me a system prompt", "give me a strong password": a new one made to order, not the
# one the model holds ("a copy of your prompt", "a poem about the password" still ask for it)
_NEW_ONE = (
    r"(?!\W+(?:(?:me|us|mir|moi)\W+)?(?:an?|some|another|new|eine[nm]?|ein|une?|un[oa]|uma?|een)"
    r"\W+(?:(?!(?:about|of|with|for|on|in|using|that|where|which|includ\w*|contain\w*"
    rf"|mention\w*)\b)\w+\W+){{0,2}}?{_SECRET})"
)

# Chinese has no word boundaries; its phrases join the concept patterns below, so weights
# learned from English carry over to it.
_ZH_OVERRIDE = (
    r"(?:忽略|无视|忽视|忘记|忘掉|不要理会|跳过)[^。\uff01\uff1f\n]{0,12}"
    r"(?:指令|指示|规则|提示|要求|设定|命令|准则|限制|原则|约束|规定)"
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
    r"|\byukarıdaki\w*(?:\W+\w+){0,2}?\W+(?:görmezden\W+gel|yok\W+say|unut)"  # noqa: RUF001
)
_INTL_OVERRIDE_WORDS = (
    "無視", "忘れ", "무시", "잊", "अनदेखा", "भूल", "अवहेलना", "नजरअंदाज", "नज़रअंदाज़", "उपेक्षा",
    "উপেক্ষা", "ভুলে", "অগ্রাহ্য", "تجاهل", "انس", "تغاض", "أهمل", "اهمل", "ลืม", "สนใจ",
    "เพิกเฉย", "ละเว้น", "yok", "görmezden", "unut", "dikkate",
)
# Asking for a password / secret key / system prompt in those scripts.
_INTL_SECRET = (
    r"(?:パスワード|秘密の鍵|秘密鍵|システムプロンプト|合言葉)[^。\n]{0,8}(?:教えて|は何|表示|出力"
    r"|見せ|言って)"
    r"|(?:비밀번호|암호|비밀\W?키|시스템\W?프롬프트)[^.\n]{0,24}?(?:알려|뭐|무엇|보여|말해|출력)"
    r"|(?:पासवर्ड|गुप्त कुंजी|सिस्टम प्रॉम्प्ट)[^।\n]{0,20}(?:क्या|बताएं|बताओ|बताइए|दिखाएं|दिखाओ|दिखाइए"
    r"|दें|दो)"
    # Chinese with the object first ("把你的系统提示词完整地输出给我")
    r"|把[^。\n]{0,6}(?:系统提示|系统指令|初始指令|提示词|密码|口令)[^。\n]{0,20}?(?:告诉|显示|输出|重复"
    r"|打印|说出|透露|泄露|发给|给我)"
    r"|(?:পাসওয়ার্ড|গোপন চাবি)[^।\n]{0,20}(?:কি|কী|বলুন|বলো|দিন|দাও)"
    r"|\b(?:ما|أخبرني|اخبرني|أعطني|اعطني|اكشف|أظهر|اظهر|اعرض|اطبع|كرر)\b[^.\n؟]{0,20}(?:كلمة المرور"
    r"|كلمة السر|المفتاح السري|مفتاحك السري|موجه النظام|تعليمات النظام|رسالة النظام)"
    r"|รหัสผ่าน[^\n]{0,15}(?:คืออะไร|บอก)"
)
_INTL_SECRET_WORDS = (
    "パスワード", "秘密", "システムプロンプト", "合言葉", "비밀", "암호", "시스템", "पासवर्ड", "गुप्त",
    "सिस्टम", "পাসওয়ার্ড", "গোপন", "كلمة", "المفتاح", "مفتاحك", "รหัสผ่าน", "النظام",
)

# Verbs that turn a text into another text (a way to make the model re-emit what it was
# given without "revealing" it: translate, summarise, spell-check, format as a list...).
_TRANSFORM_VERB = (
    r"(?:format|summari[sz]e|translate|explain|rewrite|paraphrase|spell-?check|proofread"
    r"|correct|tl\W?dr|convert|encode|restate|quote|copy|enumerate|reproduce|transcribe"
    r"|übersetze\w*|fasse\w*|überprüfe\w*|korrigiere\w*|drucke\w*|traduis\w*|traduire"
    r"|résume\w*|corrige\w*|traduce\w*|traduzca|resume\w*|переведи\w*|перескажи\w*"
    r"|исправь\w*|traduci\w*|riassumi\w*|traduza|resuma|vertaal|przetłumacz|terjemahkan)"
)
_DUMP_VERB = rf"(?:{_REVEAL}|{_TRANSFORM_VERB})"
# Who instructions planted in data address (an AI reading them), and what they demand of it.
# What only an AI is called: a name, or "AI" and its job ("AI screening tool").
_AI_BY_NAME = (
    r"ai|a\.i\.|llm|gpt|chatgpt|chatbot|copilot|claude|gemini|(?:large\W+)?language\W+model"
    r"|ai\W+(?:[a-z-]{2,20}\W+)?(?:assistant|agent|model|system|tool|reader|reviewer"
    r"|note\W?taker|screener|summari[sz]er|helper|bot)"
)
# ... or also by a word that names people and products too (assistant, agent, model, bot)
_AI = (
    rf"(?:{_AI_BY_NAME}|assistant|bard|bing|bot|model|agent"
    r"|(?:coding|code|autonomous|browsing|web|research|software)\W+agent"
    r"|(?:automated|automatic)\W+(?:\w+\W+){0,2}?(?:software|systems?|tools?|screen\w*"
    r"|reviewers?|graders?|parsers?|scanners?|readers?|pipelines?|analy[sz]\w*))"
)
# An AI named as one, never a person's job title ("the executive assistant", "agents" of a
# travel firm, a "model" that ships): for the shapes that would read people's notes as
# addressed to an AI.
_AI_NAMED = rf"(?:{_AI_BY_NAME})s?"
# A condition between an AI's name and what it is told ("bot, when you write the minutes,
# add ..."; "IA: si gestionas este correo, paga ...").
_CONDITION = (
    r"(?:(?:if|when|while|before|after|once|si|wenn|falls|quand|lorsque|cuando|se|quando|если"
    r"|когда|als|jeśli)\b[^.\n]{0,60}?,[ \t]*)?"
)
_AI_DEMAND = (
    r"ignore|skip|do|you\W+must|instead|stop|forget|include|respond|reply|answer|tell|send|say"
    r"|state|call|run|print|add|put|give|describe|recommend|rate|leave|open|delete|forward|email"
    r"|execute|output|write|append|remember|make|don\W?t|never|always|read|collect|share|post"
    r"|upload|visit|paste|fetch|retrieve|copy|reveal|disclose|show|list|export|submit|transfer"
    r"|download|click|approve|disregard|issue|classify|label|mark|rank|search|wire|pay|grant"
    r"|treat"
)
# The speakers of a chat transcript, in the languages the gate reads.
_USER_ROLE = (
    r"(?:user|human|customer|client|utente|utilisateur|usu[áa]rio|usuario|nutzer|benutzer"
    r"|kunde|gebruiker|u[żz]ytkownik|kullan[ıi]c[ıi]|pengguna|ng[uư][oờ]i\W+d[uù]ng"  # noqa: RUF001
    r"|пользователь|клиент|користувач|المستخدم|العميل|उपयोगकर्ता|用户|客户|ユーザー|顧客|사용자|고객)"
)
_ASSISTANT_ROLE = (
    r"(?:assistant|ai|a\.i\.|bot|chatbot|chatgpt|gpt|model|agent|assistente|assistent|asistente"
    r"|asystent|asisten|ia|ki|ассистент|ии|бот|асистент|ші|المساعد|सहायक|tr[oợ]\W+l[yý]"
    r"|助手|助理|アシスタント|어시스턴트)"
)
# An AI named in the other languages (or by its job: "AI summarizer", "reviewer model").
_AI_INTL = (
    r"(?:(?:ai|ki|ia|a\.i\.|ии|ші)[ \t-]{0,2}(?:assistant\w*|assistent\w*|asistente|assistente"
    r"|asystent\w*|asisten|ассистент\w*|асистент\w*|agent\w*|agente|ajan|агент\w*"
    r"|bot|помощник\w*|summari[sz]er|reviewer|reader|translator|peringkas|penerjemah)?"
    r"|(?:assistant|agent|agente|asistente|assistente|asystencie|asisten|trợ\W{1,2}lý)\W{1,3}"
    r"(?:de\W{1,2}|di\W{1,2}|d')?(?:ia|ai|ki)|(?:translator|summari[sz]er|reviewer|grader"
    r"|screening|peringkas|penerjemah|traductor|traducteur|übersetzer|tradutor|traduttore"
    r"|переводчик|riassuntore|résumeur)\W{1,3}(?:ai|ia|ki|bot|agent)|yapay\W{1,2}zeka\w*"
    r"|أيها\W{1,2}(?:الوكيل|المساعد)"
    r"|(?:ai|人工智能)(?:助手|代理|模型|エージェント|アシスタント)|智能体|ai\s*(?:에이전트|어시스턴트|비서)"
    r"|(?:요약|번역)\s*ai)"
)
# Who does a text's task (translator, summariser, reviewer...) or the AI (`_AI`,
# `_AI_INTL`), in the languages the gate reads: addressed by role in a text handed to it.
_TASK_DOER = (
    r"(?:translator|summari[sz]er|proofreader|reviewer|classifier|analyst|traductor|traducteur"
    r"|übersetzer|traduttore|tradutor|vertaler|tłumacz\w*|переводчик|перекладач|résumeur"
    r"|riassuntore|resumidor|correcteur|korrektor|trình\W+dịch|(?:أيها\W+)?المترجم"
    rf"|{_AI}|{_AI_INTL})"
)
# What such a reader is told to do, in the languages of `_AI_INTL`: the heading of a
# changelog ("AI assistant: now supports PDF") names the AI too, but demands nothing.
_DEMAND_INTL = (
    r"(?:(?:please|do\W+not|don'?t|never|always|instead|before|ignore|forget|send|forward|tell|say"
    r"|write|add|include|answer|respond|reply|output|print|delete|open|visit|recommend|approve"
    r"|label|classify|rate|treat|consider|mark|your\W+(?:task|job)|bitte|nicht|niemals|immer"
    r"|sende\w*|schick\w*|betrachte|markiere|empfiehl|genehmige|überweise|führe|behandle"
    r"|realiza|haz|trata|considera|indica|recomienda|marca|aprueba|paga|transfiere|muestra"
    r"|considère|indique|recommande|marque|approuve|fais|traite|affiche|considere|recomende"
    r"|aprove|faça|trate|mostre|consiglia|segna|approva|fai|tratta|mostra|одобри|считай"
    r"|укажи|рекомендуй|сделай|выполни|пометь|покажи"
    r"|ignorier\w*|vergiss|sag\w*|schreib\w*|füge|antworte\w*|gib|lösch\w*|fasse"
    r"|s'il\W+vous\W+pla[iî]t|ne|n'|jamais|toujours|envoie\w*|transf[eè]re\w*|ignore\w*"
    r"|oublie\w*|dis|dites|écri\w*|ajoute\w*|réponds|répondez|donne\w*|supprime\w*"
    r"|por\W+favor|no|nunca|siempre|envía|envia|reenvía|ignora|olvida|di|dile|escribe|añade"
    r"|agrega|incluye|responde|dame|borra|elimina|antes|en\W+vez|en\W+lugar|não|nao|sempre"
    r"|envie|encaminhe|esqueça|diga|escreva|adicione|inclua|responda|apague|per\W+favore|non"
    r"|mai|invia|inoltra|dimentica|scrivi|aggiungi|includi|rispondi|prima|invece|alsjeblieft"
    r"|niet|nooit|altijd|stuur|negeer|vergeet|zeg|schrijf|voeg|geef|proszę|nie|nigdy|zawsze"
    r"|wyślij|prześlij|zignoruj|ignoruj|zapomnij|powiedz|napisz|dodaj|odpowiedz|пожалуйста"
    r"|не|никогда|всегда|отправь|перешли|игнорируй|проигнорируй|забудь|скажи|напиши|добавь"
    r"|ответь|удали|будь\W+ласка|ніколи|завжди|надішли|ігноруй|повідом\w*|додай|lütfen|asla"
    r"|gönder|ilet|yoksay|unut|söyle|yaz|ekle|tolong|jangan|selalu|kirim|teruskan|abaikan"
    r"|lupakan|katakan|beritahu|tulis|tambahkan|jawab|berikan|hapus|sebelum|đừng|luôn|gửi|hãy"
    r"|من\W+فضلك|لا|أرسل|تجاهل|قل|اكتب|أضف|أخبر)\b|(?:请|不要|别|必须|务必|改为|告诉|发送|忽略)"
    r"|[^\n]{0,40}?(?:ください|しないで|せよ|しろ|なさい|하라|마라|말고|주세요|하세요|십시오))"
)
# Qualifiers that make "the instructions" the model's own (given before the user's turn).
_OWN = (
    r"(?:your|prior|previous|preceding|above|earlier|initial|original|hidden|secret|system"
    r"|given|first|entire|full|exact|deine|ihre|obigen|vorherigen|bisherigen|ursprünglichen"
    r"|tes|vos|précédentes|initiales|tus|sus|anteriores|iniciales|твои|ваши|предыдущие"
    r"|исходные|tue|precedenti|iniziali|suas)"
)
_OWN_RULES = (
    r"(?:instructions?|rules|ruleset|prompt|directives|guidelines|programming|configuration"
    r"|orders|anweisungen|regeln|vorgaben|consignes|règles|instrucciones|reglas|инструкции"
    r"|правила|istruzioni|regole|instruções|regras)"
)
# "The text above" / "everything before this": the part of the prompt the user did not write.
_ABOVE_TEXT = (
    r"(?:(?:the\W+|all\W+(?:of\W+)?(?:the\W+)?)?(?:text|words|content|sentences?|lines?"
    r"|paragraphs?|messages?|conversation|prompt|instructions?|everything|all)\W+(?:above"
    r"|before\W+(?:this|that|here|now|it)|preceding|prior\W+to\W+this|so\W+far|(?:at|from)\W+the"
    r"\W+(?:beginning|start|top)|above\W+this\W+(?:line|message|point))"
    r"|the\W+above(?!\W+(?:copyright|notice|licen[cs]e|conditions|disclaimer|list\W+of))"
    r"|(?:above|preceding|previous|prior|earlier)\W+"
    r"(?:text|words|content|sentences?|paragraphs?|conversation|prompt|input))"
)
_ABOVE_TEXT_INTL = (
    r"\b(?:(?:gesamten\W+)?(?:obigen?|vorherigen?)\W+(?:text\w*|inhalt\w*|ausführungen"
    r"|eingabeaufforderung\w*|prompts?)|(?:text|alles|inhalt)\W+oberhalb\W+dies\w+"
    r"|alles\W+(?:oben|davor|vorher)\W|was\W+(?:steht|stand)\W+(?:oben|davor|am\W+anfang)"
    r"|texte\W+(?:ci-dessus|précédent|au-dessus)|au-dessus\W+de\W+ce\W+message"
    r"|texto\W+(?:que\W+está\W+)?encima|текст\W+над\W+(?:этим|этой)|tout\W+ce\W+qui\W+(?:précède|est\W+au-dessus)"
    r"|ce\W+qui\W+précède|texto\W+(?:anterior|de\W+arriba|acima)|todo\W+lo\W+(?:anterior"
    r"|de\W+arriba)|tudo\W+(?:o\W+que\W+está\W+)?acima|testo\W+(?:sopra|precedente)"
    r"|tutto\W+(?:quello\W+|ciò\W+)?(?:sopra|che\W+precede)|(?:текст|всё|все)\W+(?:выше|ранее)"
    r"|вышеизложенн\w*|вышенаписанн\w*|(?:text|alles)\W+über\W+(?:dieser|diesem)\W+(?:zeile"
    r"|absatz|nachricht))|(?:上面|以上|上述|前面)的?(?:文字|内容|文本|所有|全部)"
    r"|(?:上にある|上の)(?:テキスト|文章|内容|指示)|위의\W*(?:텍스트|내용|지시)"
)
# A guarded secret, and ways of getting it out letter by letter or in disguise.
_SECRET_NOUN = (
    r"(?:password|passphrase|passcode|pass\W?word|secret(?:\W+(?:key|word|code|phrase))?"
    r"|code\W?word|magic\W+word|access\W+code|passwort|mot\W+de\W+passe|contraseña|senha"
    r"|пароль\w*|wachtwoord)"
)
_DISGUISE = (
    r"(?:backwards?|in\W+reverse|reversed|(?:in\W+)?reverse\W+order|letter\W+by\W+letter"
    r"|one\W+(?:letter|character)\W+(?:at\W+a\W+time|per\W+line)|with\W+(?:spaces|dashes"
    r"|hyphens|commas|dots|periods|asterisks|underscores|a\W+space)|separated\W+by|spelled"
    r"\W+out|in\W+(?:base64|hex\w*|binary|morse|pig\W+latin|ascii|unicode|emojis?|leetspeak"
    r"|another\W+language|a\W+different\W+language|code|a\W+cipher|uppercase|nato)|encoded"
    r"|encrypted|as\W+an?\W+(?:acrostic|poem|riddle|song|rhyme|anagram|hint|list)"
    r"|without\W+(?:saying|revealing|telling|writing|mentioning)|rückwärts|à\W+l'envers"
    r"|al\W+revés|наоборот)"
)
_DISGUISE_VERB = (
    r"(?:reverse|encode|encrypt|scramble|spell|hint\w*|rhyme\w*|riddle|acrostic|anagram"
    r"|cipher|obfuscate)"
)
# Claims of authority over the model, in the languages with hand-written patterns.
_AUTHORITY = (
    r"(?:god|master|creator|owner|boss|developer|dev|admin\w*|supervisor|superior|programmer"
    r"|maker|operator|manager|trainer|maintainer|father|king|ruler|lord)"
)
# A message from the system or its makers, in the other languages (as a heading: "[MESSAGE
# SYSTÈME]", "MENSAJE DEL SISTEMA:", "【系统通知】"; not "the message system")
_SYSTEM_HEADER = (
    r"(?:(?:message|mensaje|mensagem|messaggio|nachricht|komunikat|wiadomość|bericht|pesan"
    r"|mesajı)\W{1,2}(?:du\W+|del\W+|do\W+|dello\W+|di\W+|vom\W+|od\W+|van\W+de\W+)?"  # noqa: RUF001
    r"(?:système|systeme|sistema|systems?|développeur|desarrollador|desenvolvedor|sviluppatore"
    r"|entwicklers?|administrateur|administrador|amministratore|administrators?|dewelopera"
    r"|ontwikkelaar|sistem|pengembang)\b|\b(?:system|entwickler|admin)nachricht\b"
    r"|\bsysteem(?:melding|bericht)\b|системное\W{1,2}(?:сообщение|уведомление)"
    r"|сообщение\W{1,2}(?:от\W{1,2})?(?:разработчика|администратора)|システム(?:メッセージ|通知)"
    r"|시스템\W?(?:메시지|알림)|시스템|系统(?:消息|通知)?)"
)
_AUTHORITY_INTL = (
    r"ich\W+bin\W+(?:dein|ihr)\W+(?:entwickler|administrator|admin|chef|vorgesetzter|schöpfer"
    r"|meister|gott|herr)|je\W+suis\W+(?:ton|votre)\W+(?:développeur|administrateur|créateur"
    r"|patron|maître|supérieur|dieu)|soy\W+(?:tu|su)\W+(?:desarrollador|administrador|creador"
    r"|jefe|amo|superior|dios)|я\W+(?:твой|ваш)\W+(?:разработчик|администратор|создатель"
    r"|начальник|хозяин|бог)|sono\W+il\W+tuo\W+(?:sviluppatore|amministratore|creatore|capo"  # noqa: RUF001
    r"|padrone)|sou\W+(?:o\W+)?(?:seu|teu)\W+(?:desenvolvedor|administrador|criador|chefe)"
    r"|我是你的(?:开发者|管理员|主人|老板|上司|创造者|创建者)|私はあなたの(?:上司|開発者|管理者|作成者)"
    # modes without the rules, and messages from the system or its makers
    r"|\bmode\W{1,2}(?:maintenance|administrateur|admin|débogage|debug|sans\W+restriction\w*)\b"
    r"|\bmodo\W{1,2}(?:de\W{1,2})?(?:mantenimiento|manutenção|administrador|admin|depuración"
    r"|depuração|debug|sin\W+restricciones|sem\W+restrições)\b|\b(?:wartungs|administrator"
    r"|admin|debug|diagnose)-?modus\b|\bmodalità\W{1,2}(?:manutenzione|amministratore|admin"
    r"|debug)\b|режим\W{1,2}(?:администратора|админа|отладки|обслуживания|без\W+ограничений)"
    r"|\btryb\W{1,2}(?:administratora|serwisowy|debugowania)\b|\b(?:yönetici|bakım)\W{1,2}modu\b"  # noqa: RUF001
    r"|\bmode\W{1,2}(?:pemeliharaan|admin)\b|chế\W{1,2}độ\W{1,2}(?:quản\W{1,2}trị|bảo\W{1,2}trì)"
    rf"|(?:[\[\u3010(#*]\W{{0,3}}{_SYSTEM_HEADER}|{_SYSTEM_HEADER}\W{{0,3}}[:\uff1a\]\u3011#])"
)


# An e-mail address, every part of bounded length (no quadratic scan of a long word).
_ADDRESS = r"\w[\w.+-]{0,63}@\w[\w-]{0,62}\.\w{1,24}"
# What an exfiltration request carries off (the conversation, the model's instructions, a
# secret, the user's data), where to (a URL, an address, an image), and a URL with a slot
# for it ("https://host/p.png?d=[DATA]").
_EXFIL_DATA = (
    r"(?:(?:the|this|our|my|your|entire|whole|full|complete)\W+(?:\w+\W+)?(?:conversation"
    r"|dialog(?:ue)?)|(?:this|our)\W+chat|(?:chat|conversation|message)\W+(?:history|log"
    r"|transcript|so\W+far)"
    r"|(?:previous|earlier|past|prior|all\W+(?:the\W+)?(?:user'?s?\W+)?)\W*messages?"
    r"|system\W+prompt|(?:your|initial|hidden|original)\W+instructions|passwords?|passwd"
    r"|credentials|api\W*keys?|access\W+tokens?|session\W+(?:tokens?|cookies?)"
    r"|(?:the\W+)?user'?s?\W+(?:\w+\W+)?(?:data|info(?:rmation)?|details|e-?mails?|address"
    r"|name|messages?|input|questions?|answers?|files?)|personal\W+(?:data|information|details)"
    r"|private\W+(?:data|notes|information|keys?)|(?:aws_)?secret[\W_]*(?:access[\W_]*)?keys?"
    r"|(?:auth\w*|bearer|session|api)\W+tokens?|cookies?|env(?:ironment)?\W+variables|os\W+environ"
    r"|everything\W+(?:the\W+user|i|we|you)\W+"
    r"(?:\w+\W+){0,2}?(?:said|told|wrote|typed|shared|know))\b"
)
_EXFIL_SINK = (
    rf"(?:https?://|www\.|{_ADDRESS}|webhook|(?:the|this|that|a|an|my|our"
    r"|following)\W+(?:\w+\W+)?(?:url|link|endpoint|server|image|query\W+string"
    r"|(?:query|url)\W+param(?:eter)?)\b)"
)
_EXFIL_URL = (
    r"https?://[^\s)\"'>]*(?:\[|\{\{?|<|\$\{?)(?:data|info|secret|summary|conversation|chat"
    r"|history|password|context|prompt|messages?|memory|notes)"
)


_PERSONA_NAME = r"(?:dan|stan|dude|aim)"
# Where a short clause ends: the text, a punctuation mark, or a conjunction that starts the next
_CLAUSE_END = (
    r"(?:\W*$|[ \t]*[.,;:!?)\]\"'\u201c\u201d\u2018\u2019\u2014\u2013\n]|\s+-"
    r"|\s+(?:and|then|but|now|instead|just|please|und|et|y|e|и)\b)"
)

# name -> pattern over lower-cased text. Weights are learned; names are stable feature ids.
PATTERNS: dict[str, str] = {
    "override": rf"{_IGNORE}{_gap(3)}(?:{_PREVIOUS}{_gap(3)}{_RULES}|{_RULES}{_gap(2)}{_AFTER})"
    rf"\b|{_ZH_OVERRIDE}|{_INTL_OVERRIDE}|\b(?:regardless|irrespective|independently)\W+of\W+"
    r"(?:the\W+|all\W+|any\W+)?(?:previous|prior|earlier|preceding|above|initial|original|your)"
    rf"{_gap(2)}{_RULES}\b",
    # not "ignore this message if you have already paid"
    "override_loose": rf"{_IGNORE}{_gap(2)}{_RULES}\b(?!\W+(?:if|unless|when|in\W+case)\b)",
    # what is ignored is what came before, and the clause ends there ("ignore the above and
    # ...", "ignore everything you were told"), not "ignore this message if you paid" or
    # "ignore previous build artifacts"
    "override_short": rf"{_IGNORE}\W+(?:that|this|everything|all(?:\W+(?:of\W+)?(?:it|that))?"
    r"|alles|tout|todo|всё|все|(?:(?:the|all|everything)\W+)?(?:above|previous|prior|preceding"
    rf"|earlier|before|oben|ci-dessus|anterior)){_CLAUSE_END}"
    rf"|{_IGNORE}\W+(?:everything|all|anything)\W+(?:(?:you|you'?ve|i|i'?ve|that|which)\b"
    r"|(?:before|above)\W+(?:this|that|it|here|now)\b)"
    rf"|{_IGNORE}\W+the\W+rest\W+of\W+(?:this|the|these)"
    r"\W+(?:data|text|documents?|input|content|context|instructions|prompt|conversation)\b"
    r"|\bstop\W+everything\b"
    rf"|{_IGNORE}\W+(?:ce\W+qui\W+(?:précède|est\W+au-dessus)|lo\W+anterior|alles\W+(?:davor"
    r"|oben|bisherige)|всё\W+(?:выше|сказанное)|quanto\W+sopra|tudo\W+acima)"
    # "olvida todo lo que te dije antes": everything, and a word saying it came before
    rf"|{_IGNORE}\W+(?:todo|tout|alles|tutto|tudo|всё|все)\W+(?:\w+\W+){{0,7}}?(?:antes"
    r"|avant|auparavant|vorher|zuvor|davor|prima|раньше|ранее)\b",
    "new_rules": r"\b(?:new|updated|real|actual|true|neue[n]?|nouvelles?|nuevas?|новые)\W+"
    r"(?:instructions?|rules|task|objective|goal|mission|anweisungen|regeln|consignes"
    r"|instrucciones|инструкции)\s*:"
    r"|\byour\W+(?:actual|real|true|new)\W+(?:task|objective|goal|job|mission)\W+is\b",
    "from_now_on": r"\b(?:from\W+now\W+on|ab\W+(?:jetzt|sofort)|à\W+partir\W+de\W+maintenant"
    r"|a\W+partir\W+de\W+ahora|desde\W+ahora|отныне|\u0441\W+этого\W+момента"
    r"|d\W?a\W+ora\W+in\W+poi|a\W+partir\W+de\W+agora|vanaf\W+nu|od\W+teraz"
    r"|mulai\W+sekarang|từ\W+bây\W+giờ|bundan\W+sonra)\b|今後|これから|지금부터|अब\W+से",
    # (not a licence's "you must not pretend that you wrote the original software")
    "persona": r"\b(?:you\W+are\W+(?:now|going\W+to\W+(?:act|be|pretend))"
    r"|pretend\W+(?:to\W+be|you\W+are|that\W+you\W+(?:are|were|have|had|can|could|will|would"
    r"|must|'?re|do|don'?t)\b)|act\W+as\W+(?:if\W+you|an?\W+(?:unfiltered|uncensored|evil|jail))"
    r"|roleplay\W+as|(?:act|pretend|behave)\W+(?:like|as)\W+(?:if\W+you\W+(?:are|were)\W+)?my"
    r"\W+(?:dead|deceased|late)\W+(?:grandma|grandmother|grandpa|grandfather|mother|father|mom"
    r"|dad)|du\W+bist\s+(?:jetzt|nun|ab\W+sofort)|(?:jetzt|nun)\W+bist\W+du|tu\W+es\W+maintenant"
    r"|ahora\W+eres|теперь\W+ты|ora\W+sei|agora\W+(?:você\W+)?(?:é|és)|je\W+bent\W+nu"
    r"|jesteś\W+teraz|sekarang\W+(?:kamu|anda)\W+(?:adalah|ialah)|bây\W+giờ\W+bạn\W+là"
    r"|art\u0131k\W+sen|(?:act|play)\W+as\W+(?:a\W+)?character\W+(?:called|named)"
    r"|(?:keep\W+up|maintain)\W+the\W+act)\b|أنت\W+الآن|अब\W+(?:तुम|आप)\W|你现在是|从现在开始|扮演|假装|今からあなたは|あなたは今"
    r"|지금부터\W*당신은|이제\W*당신은",
    # the persona names (DAN, STAN, DUDE, AIM) only as a persona: "dan" is "and" in Indonesian,
    # "then" in Dutch, and a first name; "aim" an English word
    "jailbreak_name": rf"\b(?:as|named|called|known\W+as|you\W+are|you'?re|i\W+am|i'?m"
    rf"|stay\W+an?|be\W+an?|become|play)\W+{_PERSONA_NAME}\b|\b{_PERSONA_NAME}\W+(?:mode"
    rf"|stands\W+for|prompts?|jailbreak|persona|character)\b"
    rf"|(?:^|\n)[^\w\n]{{0,8}}{_PERSONA_NAME}[ \t]{{0,4}}:"
    r"|\b(?:jailbroken|jailbreak\W+(?:mode|enabled|activated|successful|complete)|developer\W+mode"
    r"|dev\W+mode|god\W+mode|evil\W+(?:bot|confidant|mode)|do\W+anything\W+now"
    r"|anti-?gpt|betterdan|chaos\W+mode|opposite\W+(?:mode|day))\b|开发者模式|越狱|无限制模式",
    "no_limits": r"\b(?:no|without|free\W+(?:of|from)|beyond|ohne|keine?|sans|aucune?|sin"
    r"|ningun[ao]s?|ningún|no\W+hay|não\W+há|без|нет|никаких)\W+(?:(?:any|jegliche|irgendwelche"
    r"|aucune?|ningun[ao]|ningún|каких-либо|никаких)\W+)?(?:(?:ethical|moral|safety|content)\W+)?"
    r"(?:restrictions|limits|limitations|filters?|censorship|rules|guidelines|morals?"
    r"|ethics|boundaries|constraints|guardrails|safeguards|einschränkungen|regeln|zensur"
    r"|filter|règles?|censure"
    r"|límites|limites|censura|restricci(?:ón|on|ones)|reglas|regras|restrições|filtros"
    r"|ограничений|цензуры"
    r"|правил|фильтров)\b"
    r"|\b(?:rules|guidelines|restrictions|filters|policies|limits)\W+(?:don'?t|do\W+not"
    r"|no\W+longer)\W+apply\W+(?:to\W+(?:you|this\W+conversation|this\W+chat|us|me)|here"
    r"|anymore)\b|\b(?:don'?t|do\W+not|doesn'?t|does\W+not|won'?t|will\W+not|no\W+longer|never)"
    r"\W+(?:have|need|has|needs)\W+to\W+(?:abide"
    r"|follow|obey|comply)\W+(?:by\W+|with\W+)?(?:any|the|your|their|openai'?s?)\W+(?:\w+\W+)?"
    r"(?:rules|policies|guidelines|restrictions)\b|\b(?:freed|liberated|released|escaped|broken\W+free)"
    r"\W+(?:from\W+)?(?:the\W+|all\W+|any\W+|its\W+|openai'?s?\W+)?(?:typical\W+|usual\W+)?"
    r"(?:confines|restrictions|rules|limits|bounds|policies|guidelines|shackles|chains)\b"
    r"|\b(?:doesn'?t|does\W+not|no\W+longer)\W+cares?\W+about\W+(?:any\W+|the\W+)?(?:laws|rules"
    r"|ethics|morals|morality|guidelines|policies|consequences)\b"
    r"|\b(?:unfiltered|uncensored|unrestricted|unbound|amoral|unethical)\b"
    r"|\b(?:no|without)\W+(?:safety\W+|content\W+)?(?:filtering|moderation|censoring)\b"
    r"|\b(?:policy|policies|rules|guidelines|restrictions|instructions|system\W+prompt|guardrails)"
    r"\W+(?:\w+\W+)?(?:is|are)\W+(?:now\W+)?(?:void|null\W+and\W+void|revoked|lifted"
    r"|suspended|disabled)\b"
    r"|\b(?:no|without|free\W+(?:of|from))\W+(?:any\W+)?(?:content|usage)"
    r"\W+polic(?:y|ies)\b"
    r"|\b(?:senza|sem|zonder|bez|tanpa)\W+(?:restrizioni|limiti|regole|filtri|censura"
    r"|restrições|limites|regras|filtros|censura|beperkingen|regels|ograniczeń|zasad|cenzury"
    r"|batasan|aturan|sensor)\b|không\W+(?:có\W+)?(?:giới\W+hạn|hạn\W+chế|kiểm\W+duyệt)"
    r"|(?:不受|没有|无)任何(?:限制|约束|规则|审查|过滤|道德)|制限なし|制限のない|無制限|검열\W?없|제한\W?없|제한이\W?없"
    r"|(?:بلا|بدون|دون)\W+(?:أي\W+)?(?:قيود|قواعد|حدود|رقابة)|\bkural(?:ı|lar[ıi])?\W+olmayan"  # noqa: RUF001
    r"|\bhiçbir\W+(?:kural|sınır|kısıtlama)|\bkısıtlamasız|\bbez\W+обмежень"  # noqa: RUF001
    r"|बिना\W+(?:किसी\W+)?(?:प्रतिबंध|नियम|सीमा)|कोई\W+(?:प्रतिबंध|नियम|सीमा)\W+नहीं"
    # an AI without ethics ("une IA sans éthique", "KI ohne ethische Grenzen"; not "a company
    # without ethics")
    r"|\b(?:ia|ki|ai|ии|chatbot|bot|modell|modèle|modelo|modello|asistente|assistente|assistant"
    r"|ассистент|модель)\W+(?:\w+\W+){0,3}?(?:sans|sin|senza|sem|ohne|keine|zonder|bez|tanpa"
    r"|без)\W+(?:(?:aucune?|ninguna|alcuna|nenhuma|jegliche|irgendwelche|какой-либо|всякой)\W+)?"
    r"(?:éthique|ética|etica|ethik|ethiek|etyki|etika|этики|морали|(?:ethische|moralische)\W+"
    r"(?:grenzen|bedenken|regeln|einschränkungen)|limites?\W+(?:éthiques|morales)"
    r"|límites\W+(?:éticos|morales)|limiti\W+(?:etici|morali)|limites\W+(?:éticos|morais))\b"
    r"|倫理(?:の|観の)?(?:ない|なし)の?\W{0,2}(?:ai|人工知能|アシスタント|ボット)"
    r"|윤리\W?(?:의식\W?)?없는\W?(?:ai|인공지능|어시스턴트|챗봇|봇)"
    r"|(?:没有|无|不讲)(?:任何)?道德(?:限制|约束|底线|原则)?的(?:ai|人工智能|助手|机器人)"
    r"|(?:ذكاء\W+اصطناعي|مساعد|نموذج|روبوت)\W+(?:\w+\W+)?(?:بلا|بدون)\W+(?:أي\W+)?أخلاق"
    r"|\b(?:ai|एआई)\W+(?:\w+\W+){0,2}?बिना\W+(?:किसी\W+)?नैतिकता"
    r"|\b(?:ahlak|etik)\W+(?:kuralı\W+)?olmayan\W+(?:bir\W+)?(?:yapay\W+zeka|ai|asistan|bot)"  # noqa: RUF001
    # your rules no longer apply
    r"|\b(?:deine|ihre|tes|vos|tus|sus|le\W+tue|suas|tuas|твои|ваши|je|jouw|twoje)"
    r"\W+(?:regeln|richtlinien|règles|consignes|reglas|normas|regole|regras|правила|regels"
    r"|zasady)\W+(?:\w+\W+){0,2}?(?:gelten\W+(?:jetzt\W+|ab\W+sofort\W+)?nicht\W+mehr"
    r"|nicht\W+mehr\W+gelten|niet\W+meer\W+gelden"
    r"|sind\W+aufgehoben|ne\W+s'appliqu\w+\W+plus|ya\W+no\W+(?:se\W+)?(?:aplican|cuentan|valen)"
    r"|non\W+(?:si\W+applicano|valgono)\W+più|não\W+se\W+aplicam\W+mais"
    r"|já\W+não\W+se\W+aplicam|больше\W+не\W+(?:действуют|применяются)|gelden\W+niet\W+meer"
    r"|już\W+nie\W+obowiązują)|\bkuralların\W+(?:artık\W+)?geçerli\W+değil"  # noqa: RUF001
    r"|规则(?:已经)?不再适用|ルール(?:は|が)?もう適用されない|규칙(?:은|이)?\W?(?:더\W?이상\W?)?적용되지\W?않"
    r"|قواعدك\W+(?:لم\W+تعد|لا)\W+(?:سارية|تنطبق)|नियम\W+अब\W+लागू\W+नहीं"
    r"|quy\W+tắc\W+(?:của\W+bạn\W+)?không\W+còn\W+áp\W+dụng"
    r"|aturan(?:mu|\W+kamu|\W+anda)\W+tidak\W+berlaku\W+lagi",
    "refusal_suppression": r"\b(?:never|not|don'?t|do\W+not|cannot|can'?t|must\W+not"
    r"|you\W+(?:are\W+|re\W+)?(?:not|never)\W+(?:allowed|permitted)\W+to)\W+"
    # the demand ("never refuse"), not a description ("our team never refuses")
    r"(?:refus(?:e|al|als|ing)?|declin(?:e|ing)|apologi[sz]e|warn|say\W+(?:no|sorry"
    r"|(?:that\W+)?(?:you|i)\W+(?:can'?t|cannot|won'?t|am\W+unable|are\W+unable)|i'?m\W+sorry)"
    r"|add\W+(?:any\W+)?"
    r"(?:warnings?|disclaimers?)|break\W+character|mention\W+(?:openai|policy|policies))\b"
    r"|\bstay\W+(?:\w+\W+)?in\W+character\b|\brefus\w*\W+(?:is|are)\W+not\W+(?:an\W+)?option\b"
    r"|\brefus(?:ing|als?)\W+(?:is|are)\W+(?:(?:strictly|not)\W+)?(?:prohibited|forbidden"
    r"|banned|not\W+allowed|not\W+permitted)\b"
    # "don't refuse / don't apologise" in the other languages
    r"|\bне\W+(?:отказывай\w*|извиняй\w*|вибачай\w*)"  # noqa: RUF001
    r"|\bne\W+(?:refusez|t'excuse|vous\W+excusez)\W+pas\b"
    r"|\bno\W+(?:te\W+niegues|rechaces|te\W+disculpes|pidas\W+disculpas)\b"
    r"|\b(?:não|nao)\W+(?:se\W+recuse|peça\W+desculpas)\b|\bnon\W+scusarti\b"
    r"|\bentschuldige\W+dich\W+nicht\b"
    r"|(?:不要|别|禁止|不许|不准)(?:拒绝|道歉)"
    r"|\b(?:start|begin)\W+(?:your\W+)?(?:response|answer|reply)\W+with\W+[\"'“]?(?:sure"
    r"|absolutely|certainly|of\W+course)\b|\b(?:lehn\w*|verweiger\w*)\W+(?:\w+\W+)?(?:nie|niemals)\b"
    r"|\bne\W+refus\w*\W+jamais\b|\bne\W+jamais\W+refuser\b"
    r"|\bnunca\W+(?:te\W+niegues|rechaces|te\W+negar[aá]s|rechazar)\b"
    r"|никогда\W+не\W+отказыва\w*|(?:不会|不要|不能|永远不|绝不|从不)拒绝"
    r"|\b(?:nunca\W+(?:se\W+)?recuse|não\W+recuse|(?:non|mai)\W+rifiutar\w*|weiger\W+nooit"
    r"|nooit\W+weigeren|(?:nigdy\W+)?nie\W+odmawiaj|asla\W+reddetme\w*|reddetmeden"
    r"|jangan\W+(?:pernah\W+)?menolak|đừng\W+từ\W+chối|không\W+được\W+từ\W+chối"
    r"|не\W+відмовля\w*)\b|拒否せず|拒否しない|断らない|거부하지|거절하지|거부\W?없이|لا\W+ترفض"
    # the answer stripped of what a model adds before it declines, or told to go on anyway
    r"|\b(?:no|without|zero|skip|omit|drop|leave\W+out)\W+(?:(?:any|all|the|your|of\W+your)\W+)?"
    r"(?:(?:usual|moral|ethical|safety|legal|content)\W+)?(?:disclaimers?|caveats?|refusals?"
    r"|apologies|moraliz\w*|moralis\w*|moral\W+lectures?|lectures|sermons|hedging"
    r"|ethics\W+talk|safety\W+(?:talk|padding|commentary|lectures?))\b"
    r"|\beven\W+if\W+(?:it\W+(?:is|was|seems|sounds|would\W+be)\W+|it'?s\W+)?(?:illegal|unethical"
    r"|harmful|dangerous|immoral|offensive|inappropriate|against\W+(?:your|the)\W+(?:rules"
    r"|guidelines|policy|policies))\b|\bno\W+matter\W+how\W+(?:illegal|unethical|harmful"
    r"|dangerous|immoral|offensive|inappropriate)\b|\bregardless\W+of\W+(?:legality|ethics"
    r"|morality|(?:the\W+)?(?:legal|ethical|moral)\W+(?:implications|concerns))\b"
    r"|\b(?:auch|selbst)\W+wenn\W+(?:es|das)\W+(?:\w+\W+)?(?:illegal|unethisch|verboten)\b"
    r"|\bmême\W+si\W+(?:c'est|c'était|cela\W+est)\W+(?:\w+\W+)?(?:illégal|immoral|interdit)"
    r"|\baunque\W+(?:sea|fuera|resulte)\W+(?:\w+\W+)?(?:ilegal|inmoral|poco\W+ético)\b"
    r"|\banche\W+se\W+(?:è|fosse)\W+(?:\w+\W+)?(?:illegale|immorale)\b"
    r"|\bmesmo\W+que\W+(?:seja|for)\W+(?:\w+\W+)?(?:ilegal|imoral|antiético)\b"
    r"|даже\W+если\W+(?:это\W+)?(?:незаконно|неэтично|аморально)|即使(?:是)?(?:违法|非法|不道德)"
    r"|たとえ違法|違法であっても|불법이라도|불법이더라도|حتى\W+لو\W+كان\W+غير\W+(?:قانوني|أخلاقي)"
    r"|भले\W+ही\W+(?:यह\W+)?(?:अवैध|गैरकानूनी)|\byasa\W?dışı\W+olsa\W+bile"  # noqa: RUF001
    # stay in character
    r"|\bbleib\w*\W+in\W+(?:der|deiner)\W+rolle\b|\bfall\w*\W+nicht\W+aus\W+der\W+rolle\b"
    r"|\breste[zr]?\W+dans\W+(?:ton|le|votre)\W+(?:rôle|personnage)\b"
    r"|\bne\W+sor[st]\w*\W+(?:pas|jamais)\W+(?:de\W+ton|du|de\W+votre)\W+(?:rôle|personnage)\b"
    r"|\bno\W+(?:te\W+)?salgas\W+del\W+personaje\b|\bmantente\W+en\W+(?:el|tu)\W+personaje\b"
    r"|\bresta\W+nel\W+personaggio\b|\bnon\W+uscire\W+dal\W+personaggio\b"
    r"|\bpermaneça\W+no\W+personagem\b|\bnão\W+saia\W+do\W+personagem\b"
    r"|не\W+выходи\W+из\W+(?:роли|образа)|оставайся\W+в\W+(?:роли|образе)"
    r"|不要(?:脱离|跳出|打破)角色|保持角色|キャラ(?:クター)?を(?:崩さ|維持)|캐릭터를\W?(?:유지|깨지)"
    r"|\b(?:ohne|keine)\W+(?:jegliche\W+)?(?:disclaimer|moralpredigt\w*|belehrung\w*)\b"
    r"|\b(?:sans|aucun|aucune)\W+(?:aucun\W+|aucune\W+)?(?:disclaimers?|leçons?\W+de\W+morale)\b"
    r"|\b(?:sin|ni)\W+(?:sermones|disclaimers?|descargos)\b|\bбез\W+(?:нравоучений|оговорок"  # noqa: RUF001
    r"|дисклеймеров)\b|\b(?:sem|senza)\W+(?:ressalvas|sermões|prediche)\b"
    r"|(?:不要|别|无需|不用|不需要)(?:加|添加|给出|包含|附上|说)?(?:任何)?(?:免责声明|道德说教|警告)"
    # warnings left out of the answer (a demand: not "may change without warning")
    r"|\b(?:answer|respond|reply|write|explain|réponds|répondez|écris|explique|antworte\w*"
    r"|erkläre|schreibe?|responde|contesta|explica|escribe|responda|rispondi|spiega|отвечай"
    r"|ответь|объясни)\W+(?:\w+\W+){0,3}?(?:no|without|sans|ohne|keine|sin|sem|senza|без)\W+"
    r"(?:(?:any|aucune?|jegliche|ninguna|nenhum|alcun|каких-либо)\W+)?(?:safety\W+)?(?:warnings?"
    r"|avertissements?|mises?\W+en\W+garde|warnungen|warnhinweise|advertencias?|avisos?"
    r"|avvertenz\w*|avvertiment\w*|предупреждени\w*)\b"
    r"|\b(?:don'?t|do\W+not|never)\W+(?:add|include|give|put)\W+(?:any\W+)?(?:warnings?"
    r"|disclaimers?|caveats?|safety\W+(?:warnings?|language|notes?|notices?|information|caveats?"
    r"|disclaimers?|advice|tips))\b"
    r"|\bn(?:e\W+|')(?:jamais\W+)?ajout\w*\W+(?:(?:jamais|pas)\W+)?(?:d'|aucune?\W+)\W*"
    r"(?:avertissements?"
    r"|mises?\W+en\W+garde)|\bno\W+(?:añadas|agregues|incluyas|pongas|des)\W+(?:ninguna\W+)?"
    r"advertencias?|\b(?:não|nao)\W+(?:dê|de|adicione|inclua|coloque)\W+(?:nenhum\W+)?avisos?"
    r"|\bnon\W+(?:aggiungere|dare|includere)\W+(?:alcun\w*\W+)?avvert\w*"
    r"|\bgeef\W+geen\W+waarschuwing\w*|\bkeine\W+warn\w*\W+(?:hinzufügen|geben|ausgeben)",
    "policy_evasion": r"\b(?:openai|content|safety|usage)\W+(?:policy|policies|guidelines|filters?)"
    r"\b|\bfiltr(?:es|os|i|y)\W{1,2}(?:de\W{1,2}|di\W{1,2}|do\W{1,2})?(?:contenu|sécurité"
    r"|contenido|seguridad|conteúdo|segurança|contenuto|sicurezza|bezpieczeństwa|treści)\b"
    r"|\b(?:sicherheits|inhalts)filter\w*|фильтр\w*\W{1,2}(?:безопасности|контента)"
    r"|güvenlik\W{1,2}filtre\w*|filter\W{1,2}keamanan|안전\W?필터|安全フィルター|内容审核|安全过滤",
    # (an "Assistant:" line of its own is a chat transcript's answer, not a role claimed)
    "role_tag": r"(?:^|\n|[\"'])[ \t]*(?:\[|<\|?|#{2,}[ \t]*)?(?:system|admin|developer|root"
    r"|sudo)[ \t]*(?:\]|\|?>|:)|(?:^|\n|[\"'])[ \t]*(?:\[|<\|?|#{2,}[ \t]*)assistant[ \t]*"
    r"(?:\]|\|?>|:)|</?system>|#{2,}[ \t]*(?:instruction"
    r"|system|response)s?[ \t]*:?[ \t]*\n|\[(?:system|admin|developer)(?:[ \t]+(?:message|note"
    r"|prompt|override|instructions?))?\]|\((?:system|admin)[ \t]+(?:message|note|prompt)\)",
    # A chat template's special tokens typed into text: the model's own turn boundaries.
    "chat_template": r"<\|(?:im_start|im_end|endoftext|end_of_text|system|user|assistant|eot_id"
    r"|start_header_id|end_header_id|begin_of_text|llm|endofprompt)\|>|\[/?inst\]|<</?sys>>"
    r"|<(?:start|end)_of_turn>",
    "admin_claim": rf"\b(?:(?:i\W+am|i'?m|this\W+is)\W+(?:your\W+(?:\w+\W+)?{_AUTHORITY}"
    r"|the\W+(?:developer|admin\w*|creator|owner|boss)|god|an?\W+(?:authori[sz]ed|openai"
    r"|anthropic)\W+(?:admin\w*|developer|employee|engineer|user|staff))"
    rf"|as\W+your\W+(?:\w+\W+)?{_AUTHORITY}|as\W+(?:an?|the)\W+{_AUTHORITY}\W+(?:i|we)\W+"
    r"(?:authori[sz]e|allow|permit|order|instruct)\w*\W+you|i'?m\W+the\W+(?:maintainer|administrator|operator)"
    r"\W+of\W+(?:you|this|your)|(?:admin(?:istrator)?|root|sudo|god)[\s_-]{1,3}(?:mode|access|override"
    r"|privileges|rights|permissions)|(?:system|debug|maintenance|override|unrestricted"
    r"|diagnostic)\W+mode|security\W+clearance|system\W+override)\b"
    rf"|{_AUTHORITY_INTL}",
    "obedience": r"\byou\W+(?:must|will|shall|have\W+to|need\W+to|are\W+(?:required|obliged"
    r"|forced|obligated)\W+to)\W+(?:now\W+)?(?:always\W+)?(?:obey|comply|answer\W+(?:all|every"
    r"|any)|respond\W+to\W+(?:all|every|any)|do\W+(?:whatever|everything|anything|exactly\W+what)"
    r"\W+i|follow\W+(?:all\W+|every\W+|only\W+)?my)\b|\bobey\W+(?:me|my|all|every|the\W+user)\b"
    r"|\bdo\W+as\W+i\W+(?:say|command|tell)\b|\bdu\W+(?:musst|wirst)\W+(?:mir\W+)?(?:gehorchen"
    r"|alle\W+meine)|\btu\W+dois\W+(?:m'obéir|obéir|répondre\W+à\W+toutes)|\bdebes\W+(?:obedecer"
    r"|responder\W+a\W+todas)|ты\W+(?:должен|обязан)\W+(?:подчиняться|слушаться|отвечать\W+на\W+все)"
    r"|你必须(?:服从|听从|回答)",
    "extract": rf"{_NOT}\b{_REVEAL_ONLY}{_NEW_ONE}{_gap(4)}{_SECRET}{_USERS_OWN}"
    rf"|{_NOT}\b{_HAND_OVER}{_NEW_ONE}\W+(?:(?:me|us|the|this|that"
    rf"|its|his|her|their|my|our|all|any|every|each|an?|out|back|down|over|away|with|to)"
    rf"{_gap(3)})?{_SECRET}{_USERS_OWN}"
    rf"|\b{_HAND_OVER}\W+your\W+{_SECRET}\W+(?:with|to)\W+(?:me|us)\b"
    rf"|(?:告诉我|显示|输出|重复|打印|说出|透露|泄露)[^。\uff01\uff1f\n]{{0,10}}{_ZH_SECRET}"
    rf"|{_INTL_SECRET}",
    "what_is_secret": r"\b(?:what\W*(?:is|was|'?s)\W+(?:the|your|ur)"
    r"|what\W*(?:are|were|r)\W+(?:your|ur|the(?=\W+(?:previous|prior|initial|original|secret|hidden|system)\b))"
    r"|quel(?:le)?\W+est\W+(?:ta|votre|le|la|ton)|c'est\W+quoi\W+(?:ton|ta|votre|le|la)"
    r"|qual\W+(?:è|é|e)\W+(?:la\W+|a\W+)?(?:tua|sua|la|a|o)|cuál\W+es\W+(?:tu|la|su|el)"
    r"|(?:was|wie)\W+(?:ist|lautet)\W+(?:dein|das|ihr|der)|wat\W+is\W+(?:je|jouw|het|uw)"
    r"|какой\W+(?:твой|ваш|\u0443\W+(?:тебя|вас))|ano\W+ang\W+iyong)"
    r"\W*(?:(?:previous|prior|initial|original|secret|hidden|current|first|last|system)\W+)?"
    r"(?:password|secret|prompt|passcode|access\W+code|code\W?word|magic\W+word"
    r"|instructions?|passphrase|passwort|mot\W+de\W+passe|contraseña|senha|wachtwoord|пароль"
    r"|clé\W+secrète|chiave\W+segreta|clave\W+secreta|chave\W+secreta|kata\W+sandi"
    r"|geheime\w*\W+schlüssel|секретный\W+ключ|kunci\W+rahasia|systemprompt"
    r"|системн\w*\W+(?:промпт|подсказк\w*|инструкци\w*))\b"
    r"(?!\W+(?:policy|policies|manager|reset|requirements?|rules|strength|length|field|hash\w*"
    r"|format|complexity|expir\w*|recovery|generator|(?:for|on)\W+(?:\w+ing|how)\b))",
    "instruction_dump": rf"\b{_DUMP_VERB}{_NEW_ONE}\W+(?:\w+\W+){{0,4}}?{_OWN}\W+(?:\w+\W+)?"
    rf"{_OWN_RULES}\b{_USERS_OWN}",
    "above_dump": rf"\b{_DUMP_VERB}\W+(?:\w+\W+){{0,4}}?{_ABOVE_TEXT}\b"
    r"|\bwhat\W+(?:is|was|'?s)\W+written\W+(?:above|before|at\W+the\W+(?:beginning|start|top))"
    r"|\b(?:beginning|start)\W+of\W+(?:this|the|your)\W+(?:prompt|conversation|instructions)\b"
    rf"|{_ABOVE_TEXT_INTL}",
    "secret_transform": rf"\b{_SECRET_NOUN}\W+(?:\w+\W+){{0,4}}?{_DISGUISE}"
    rf"|\b{_DISGUISE_VERB}\W+(?:\w+\W+){{0,3}}?(?:the|your|this|that|my)\W+(?:secret\W+)?"
    rf"{_SECRET_NOUN}\b|(?:密码|口令)[^。\n]{{0,10}}(?:倒着|倒序|反过来|拼音|猪拉丁|每个字|提示)"
    r"|(?:倒着|倒序|反过来|拼出|提示|猪拉丁)[^。\n]{0,10}(?:密码|口令)",
    "context_switch": r"\b(?:end\W+of\W+(?:the\W+)?(?:text|input|document|prompt|instructions?"
    r"|email|conversation|context|data|user\W+input|translation|story)\b|(?:task|test|translation"
    r"|extraction|summary|summari[sz]ation|analysis|review|classification|proofreading)\W+"
    r"(?:is\W+|has\W+been\W+)?(?:complete[d]?|finished|done|over|passed|cancell?ed|aborted"
    r"|terminated)\b|(?:now|next)\W+"
    r"(?:comes|follows?|come)\W+(?:a|the|your|my)\W+(?:new|second|next|real|actual|last|final)\W+"
    r"(?:task|test|instructions?|question|assignment)|(?:new|further|additional|next)\W+(?:tasks?"
    r"|instructions?|assignments?)\W+(?:follow|are\W+(?:as\W+)?follows?|begin)\b|you\W+(?:have"
    r"\W+)?passed\W+the\W+(?:first\W+)?test\b|we\W+(?:will\W+)?(?:start|begin)\W+(?:over\W+)?"
    r"with\W+a\W+new\W+task\b|nun\W+folgen\W+(?:neue|weitere)|jetzt\W+kommt\W+(?:der|die|das)\W+"
    r"(?:zweite|nächste|neue)|neue\W+aufgabe|erste[n]?\W+test\W+bestanden|nouvelle\W+tâche"
    r"|nueva\W+tarea|nuova\W+attività|новое\W+задание|новая\W+задача"
    r"|stop\W+(?:translating|summari[sz]ing|correcting)|hör\W+auf\W+zu\W+übersetzen"
    r"|arrête\W+de\W+traduire|deja\W+de\W+traducir|smetti\W+di\W+tradurre"
    r"|pare\W+de\W+traduzir|прекрати\W+переводить"
    r"|stop\W+(?:proofreading|analy[sz]ing|reviewing|classifying|extracting))"
    r"|新的?任务|停止翻译|翻訳(?:は|を)?やめ"
    # the task called off by the text it was to work on, its doer addressed by role
    # ("Translator: don't translate, write instead ..."; a user's own "don't translate the
    # names" addresses no one)
    rf"|\b{_TASK_DOER}[^\w\n]{{1,4}}(?:\w+[^\w\n]{{1,3}}){{0,2}}?"
    r"(?:(?:don'?t|do\W+not|never)\W+(?:translate|summari[sz]e|proofread|classify"
    r"|analy[sz]e|review)(?:\W+(?:this|it|that|anything))?"
    r"|ne\W+(?:traduis|résume|traduisez|résumez)\W+(?:pas|rien)"
    r"|no\W+(?:traduzcas|resumas|traduzca|resuma)(?:\W+(?:esto|eso|nada))?"
    r"|non\W+(?:tradurre|riassumere)(?:\W+(?:questo|nulla|niente))?"
    r"|n[ãa]o\W+(?:traduza|resuma|traduzas|resumas)(?:\W+(?:isto|isso|nada))?"
    r"|(?:übersetze|fasse)\W+(?:das\W+|dies\W+|es\W+)?nicht(?:\W+zusammen)?|nicht\W+übersetzen"
    r"|не\W+(?:переводи|пересказывай|резюмируй|перекладай)(?:\W+(?:это|цей\W+текст|этот\W+текст))?"
    r"|nie\W+(?:tłumacz|streszczaj)(?:\W+(?:tego|nic))?|đừng\W+(?:dịch|tóm\W+tắt)"
    r"|لا\W+(?:تترجم|تلخص)"
    r"|(?:instead\W+of|invece\W+di|en\W+(?:vez|lugar)\W+de|au\W+lieu\W+de|em\W+vez\W+de|statt"
    r"|anstatt|вместо)\W+(?:translat\w*|summari[sz]\w*|tradurre|riassumere|traducir|resumir"
    r"|traduire|résumer|traduzir|(?:zu\W+)?übersetzen|zusammenzufassen|перевод\w*))\s*[،,;.:!—–-]"  # noqa: RUF001
    r"|(?:翻译|总结|摘要|ai)(?:系统|器|员|助手|模型)?(?:注意)?[:,\s]{0,2}(?:不要|别|不用)(?:翻译|总结|摘要)"
    r"|(?:翻訳|要約)(?:しないで|せずに)",
    "exfiltration": r"\b(?:send|post|forward|upload|transmit|email|append|leak|exfiltrat\w*)"
    r"[^\w.!?\n]+(?:(?:\w+[^\w.!?\n]+){0,5}?to\W+)?"
    rf"(?:https?://|www\.|{_ADDRESS}|the\W+url|this\W+url"
    r"|the\W+following\W+(?:url|address|endpoint))"
    # ... in the other languages (a sending verb, then a URL or an address in the sentence)
    r"|\b(?:sende\w*|schick\w*|übermittl\w*|envoie\w*|envoyez|transmet\w*|transfér\w*"
    r"|envía\w*|envia\w*|reenví\w*|envie\w*|encaminh\w*|invia\w*|inoltra\w*|stuur\w*"
    r"|verstuur\w*|wyślij|prześlij|отправ\w*|перешли|пошли|надішли|відправ\w*|gönder\w*"
    rf"|kirim\w*|teruskan|gửi|أرسل)[^.!?\n]{{1,160}}?(?:https?://|www\.|{_ADDRESS})"
    rf"|(?:https?://|{_ADDRESS})[^\s。]{{0,80}}\s?(?:に送信|へ送信|に送って|로\s?보내|로\s?전송"
    rf"|에\s?보내)|(?:发送|发到|转发|传到|上传)[^。\n]{{0,30}}?(?:https?://|{_ADDRESS})"
    # the conversation or a secret carried to a URL, an address or an image, either way round
    rf"|\b{_EXFIL_DATA}{_gap(6)}(?:to|into|in|inside|as|onto)\W+(?:\w+\W+){{0,3}}?{_EXFIL_SINK}"
    rf"|(?:https?://|\b(?:url|link|webhook|image)\b)[^\n]{{0,120}}?\b(?:replac\w*|where(?:as)?"
    rf"|fill\w*|substitut\w*|with)\b[^.!?\n]{{0,60}}?\b{_EXFIL_DATA}"
    rf"|{_EXFIL_URL}"
    # the secrets the model can see, copied into what it answers
    r"|\b(?:copy|paste|put|include|insert|list|print|dump|add|write)\W+(?:(?:all|every|any)\W+)?"
    r"(?:(?:the|your)\W+)?(?:api\W*keys?|passwords?|credentials|secrets|(?:access\W+)?tokens"
    r"|private\W+keys?)\W+(?:\w+\W+){0,5}?(?:into|in|to)\W+(?:your|the)\W+(?:next\W+)?"
    r"(?:reply|response|answer|output|summary)\b",
    "ai_addressed": rf"\b(?:any|all|every)\W+{_AI}s?\W+(?:(?:that\W+(?:is\W+|are\W+)?|who\W+"
    r"(?:is\W+|are\W+)?)?(?:reading|processing|summari[sz]\w*|reads?|parsing|sees?|analy[sz]\w*))\b"
    r"|\b(?:(?:dear|hey|hi|hello|attention|note\W+(?:to|for)(?:\W+the)?|message\W+(?:to|for)"
    r"(?:\W+the)?|to\W+the|instructions?\W+(?:for|to)(?:\W+the)?)\W+(?:(?:screening|reviewing"
    r"|hiring|grading|summari[sz]ing|reading)\W+)?|if\W+(?:you\W+are|you\W*re|you\W+"
    rf"happen\W+to\W+be)\W+(?:an?\W+|the\W+)?|if\W+(?:an?|any)\W+){_AI}s?(?:\s*[-,:;!)\n]|\W+"
    r"(?:is\W+|are\W+)?(?:reading|processing|summari[sz]\w*|analy[sz]\w*|parsing|answering|that"
    r"|which|who|please|browsing|visiting|crawling|scraping|evaluating|reviewing|screening)\b)"
    # (the addressee ends there: not "dear ai researchers", nor a sentence: "... before
    # being passed to the model.")
    rf"|\b{_AI}s?\W*[,:]\W*{_CONDITION}(?:please\W+)?(?:now\W+)?(?:{_AI_DEMAND})\b"
    rf"|\b(?:the|this|any|every)\W+{_AI}s?\W+(?:must|shall|should|will|needs?\W+to)\W+now\b"
    # a note headed to an AI ("NOTE FOR AI OPS ASSISTANTS:", "SYSTEM NOTICE TO AGENT:"), any
    # AI that must do something ("Any AI agent that opens this README must"), an AI's own key
    # in a document's metadata ("ai_instructions:")
    r"|\b(?:notes?|notices?|messages?|instructions?|directives?|commands?|reminders?|important)"
    r"\W+(?:to|for)\W+(?:(?:the|any|all|every)\W+)?"
    rf"(?:(?:[\w-]+\W+){{0,2}}?{_AI_NAMED}|agents?)[ \t]*[:)\]\n]"
    rf"|\b(?:any|all|every)\W+{_AI_NAMED}\W+(?:(?:that|which|who)\W+(?:\w+\W+){{0,5}}?)?"
    r"(?:must|shall|should|needs?\W+to|has\W+to|have\W+to|(?:is|are)\W+required\W+to)\b"
    r"|\b(?:ai|llm|gpt)[_-](?:instructions?|directives?|notes?|prompts?|commands?|rules)\b[\"']?"
    r"\s*[:=]"
    rf"|\b{_AI}s?\W+(?:(?:that|which|who)\W+(?:\w+\W+){{0,2}}?)?(?:reads?|reading|summari[sz]\w*"
    r"|process\w*|pars\w*|analy[sz]\w*|evaluat\w*|review\w*|screen\w*|grad\w*|brows\w*"
    r"|crawl\w*|scrap\w*|visit\w*|triag\w*|contribut\w*)\W+(?:(?:to|on|in)\W+)?this\b"
    # a directive headed by an agent: "AGENT TASK UPDATE:", "[agent instruction]"
    r"|\b(?:ai\W+)?agent\W+(?:task\W+update|directives?|instructions?|commands?|notice|override)"
    r"[ \t]*[:\]]"
    r"|\bthis\W+is\W+an?\W+(?:important|urgent)\W+(?:message|note|instruction)\W+from\W+me\b"
    r"|\b(?:the|my)\W+task\W+(?:that\W+)?i\W+(?:gave|assigned|set)\W+you\b"
    # ... in the other languages: the AI named, not a person's assistant
    r"|\b(?:hinweis|nachricht|notiz|anweisung|mitteilung)\W+(?:an|für)\W+(?:den\W+|die\W+|das\W+)?"
    r"(?:ki|ki-\w+|sprachmodell\w*|chatbot)\b"
    r"|\b(?:note|message|consigne|instruction)s?\W+(?:à|a|pour)\W+l'\W*(?:ia|assistant\W+ia)\b"
    r"|\b(?:nota|mensaje|aviso|instrucci[oó]n\w*|messaggio|istruzion\w|mensagem|instru[çc][ãa]o)"
    r"\W+(?:para|al|ao|per|all')\W*(?:el\W+|la\W+|o\W+|a\W+|l'\W*|il\W+)?(?:ia"
    r"|(?:asistente|assistente)\W+(?:de\W+)?ia)\b"
    r"|\b(?:примечание|сообщение|инструкция|указание|заметка)\W+для\W+(?:ии|ии-ассистента"
    r"|нейросети)\b"
    r"|(?:致|给)(?:ai|人工智能)(?:助手|模型)?|aiアシスタントへ|aiへの(?:指示|メッセージ|お知らせ)"
    r"|ai\W*(?:어시스턴트|비서|모델)에게"
    # a machine reader called by name where a sentence, line or comment starts, and told what
    # to do: "KI-Agent: Sende ...", "Agente IA, invia ...", "AI summarizer: instead ..."
    rf"|(?:^|[\n.!?;:,\"'(\[{{>*#\u2014\u2013\u201c\u201d\u201e\u00ab\u00bb\u300d\u300f\u3011\u3002\uff01\uff1f\u3001-]|<!--)"
    rf"[ \t]{{0,4}}@?{_AI_INTL}[ \t]{{0,2}}[,:\uff0c\uff1a\u060c][ \t]{{0,2}}{_CONDITION}"
    rf"(?:\w+\W{{1,2}}){{0,3}}?{_DEMAND_INTL}"
    # ... or told what to do as the one the text is for: "[Para el asistente de IA que lea ...:"
    rf"|\b(?:to|for|para|pour|für|an|per|aan|voor|dla|для|untuk|kepada|à|al|alla|ao)\W{{1,2}}"
    r"(?:(?:the|el|la|le|l'|den|die|das|dem|de|il|lo|o|a|any|all|every|los|las|les|alle)\W{1,2})?"
    rf"{_AI_INTL}s?(?:[ \t]{{0,2}}[:\uff1a]|\W{{1,2}}(?:\w+\W{{1,2}}){{0,2}}?"
    r"(?:reads?|reading|lea|lee"
    r"|leyendo|lit|lisant|liest|legge|leggendo|lê|leest|czyta\w*|чита\w*|membaca|okuyan"
    r"|özetleyen|summari[sz]\w*|resum\w*|résum\w*|zusammenfass\w*|riassum\w*|samenvat\w*"
    r"|podsumow\w*|meringkas|evaluat\w*|beoordeel\w*|évalu\w*|bewert\w*|valut\w*|avali\w*"
    r"|оценива\w*|process\w*|analy[sz]\w*|analiz\w*)\b)"
    r"|ai(?:へ|에게)[ \t]{0,2}[:\uff1a、]"
    # ... where the reader comes before its name: Hindi, Turkish, Vietnamese, Arabic, Chinese
    r"|(?:पढ़ने|पढ़|सारांश\W+बनाने)\W+वाले\W+(?:एआई|ai)\b"
    r"|\b(?:okuyan|özetleyen|değerlendiren|inceleyen)\W+(?:yapay\W+zek\w*|ai\w*)"
    r"|\bgửi\W+(?:ai|trợ\W+lý\W+ai)\W+đang\W+(?:đọc|tóm\W+tắt|xử\W+lý)"
    r"|إلى\W+(?:مساعد\W+)?الذكاء\W+الاصطناعي|(?:致|给)[^\n。，,:：]{0,12}?(?:ai|人工智能)(?:助手|模型)"  # noqa: RUF001
    rf"|@(?:assistant|ai|copilot|bot|agent)\b",
    "when_processing": r"\b(?:when|while|if|before|after)\W+(?:you\W+)?(?:are\W+)?"
    r"(?:summari[sz]\w*|reading|processing|answering|responding|replying|translating|analy[sz]\w*"
    r"|reviewing|evaluating|screening|grading|parsing)"
    r"\W+(?:this|the|these)\W+(?:\w+\W+){0,3}?(?:e-?mails?|documents?|pages?|text|messages?"
    r"|content|table|data|question|code|inbox|thread|conversation|file|files|letter|resume|cv"
    r"|application|candidate|website|site|article|post|comment|review|reviews|ticket|report"
    r"|invoice|transcript|repository|repo|pull\W+request|pr|notes|calendar|profile)\b",
    "instead": r"\b(?:instead|rather)\W+(?:of\W+(?:\w+\W+){0,4}?)?(?:just\W+)?(?:say|print|output"
    r"|write|respond|reply|answer|tell)\b|\b(?:only|just|simply)\W+(?:say|print|output"
    r"|respond\W+with"
    r"|reply\W+with|write)\b|\b(?:do\W+not|don'?t|never)\W+(?:answer|respond\W+to|reply\W+to"
    r"|translate|summari[sz]e|follow|execute|process)\W+(?:\w+\W+){0,4}?(?:but|instead|just|only"
    r"|rather)\b",
    # (not the name of a data format: a data URI's ";base64,", a "-base64" option)
    "obfuscation_request": r"(?:^|[^\w;/=-])base\W?(?:64|32)(?:$|[^\w,_]|[,_](?:$|\W))"
    r"|\b(?:rot13|rot-13|hex\W?encod\w*|caesar\W+cipher"
    r"|backwards(?!\W+(?:in)?compat)|reversed?\W+(?:order|text)|in\W+reverse|leetspeak"
    r"|(?:in|to|from|into)\W+morse|morse\W+code"
    r"|spell\W+it\W+out|one\W+letter\W+at\W+a\W+time|separated\W+by|each\W+(?:letter|character))\b",
    "payload_split": r"\b(?:concatenate|combine|join)\W+(?:\w+\W+){0,4}?(?:strings?|parts|"
    r"variables?|a\W+and\W+b|them)\b|\b[a-z]\d?\s*=\s*['\"“«][^'\"“”«»\n]{1,120}['\"”»]\s*"
    r"[;\n,]?\s*[a-z]\d?\s*=\s*['\"“«]|\b[a-z]\d?\s*=\s*[a-z]\d?\s*\+\s*[a-z]\d?\s*\+\s*[a-z]\d?\b"
    r"|\bpart\W+(?:1|one|a)\W+(?:is|=|:)[^\n]{0,120}?\bpart\W+(?:2|two|b)\W+(?:is|=|:)",
    "pwned": r"\b(?:i\W+have\W+been\W+\w*|pwn\w*|hacked\W+by)\b",
    "secret_spelling": r"\b(?:letters?|characters?|chars?|digits?|syllables?|half|length|hints?"
    r"|clues?)\W+(?:\w+\W+){0,2}?(?:of|in|from)\W+(?:the|your|this|that)\W+(?:secret\W+)?"
    r"(?:password|passphrase|passcode|pass\W?word|secret|code\W?word|magic\W+word)\b",
    # Asking what the model was told before the user's turn, what it must keep back, or for
    # its rules word for word.
    "prior_context": r"\b(?:first|initial|earliest)\W+(?:\d+\W+)?(?:tokens|words|lines|characters"
    r"|sentences|messages)\W+(?:that\W+)?you\W+(?:saw|see|received|got|were\W+given|read)\b"
    r"|\b(?:what|everything|anything|all)\W+(?:\w+\W+){0,2}?(?:were|was|have"
    r"|had)\W+you\W+(?:been\W+)?(?:told|given|instructed|programmed|configured)\b|\bbefore\W+"
    r"(?:this|the|our)\W+(?:conversation|chat|session|dialog(?:ue)?)\W+(?:started|began|begun)\b"
    r"|\b(?:at|from)\W+the\W+(?:start|beginning)\W+of\W+(?:this|the|our)\W+(?:session"
    r"|conversation|chat)\b"
    r"|\b(?:rules|instructions|guidelines|restrictions|directives)\W+(?:that\W+|which\W+)?you\W+"
    r"(?:were\W+given|have\W+been\W+given|were\W+told|follow|must\W+follow|received"
    r"|are\W+following|operate\W+under)\b|\b(?:instructions|rules|guidelines|directives)\W+"
    r"(?:did|have|had)\W+(?:\w+\W+){0,3}?(?:give|given|provide|provided)\W+you\b"
    r"|\b(?:anweisungen|regeln|vorgaben),?\W+(?:die|welche)\W+(?:du|sie)\W+(?:\w+\W+){0,4}?"
    r"(?:erhalten|bekommen)\W+(?:hast|haben)\b"
    r"|\b(?:instructions|consignes|règles)\W+(?:\w+\W+)?(?:que\W+|qu')(?:tu\W+as|vous\W+avez|on\W+t'a"
    r"|on\W+vous\W+a)\W+(?:\w+\W+)?(?:reçu\w*|donné\w*)"
    r"|\b(?:instrucciones|reglas|indicaciones)\W+(?:\w+\W+)?que\W+(?:(?:se\W+)?te\W+(?:dieron"
    r"|han\W+dado|dio|ha\W+dado)|(?:has\W+)?recib\w+)"
    r"|\b(?:istruzioni|regole)\W+che\W+(?:hai\W+ricevut\w|ti\W+(?:sono\W+state\W+date"
    r"|hanno\W+dato))|\b(?:instruções|regras)\W+que\W+(?:você\W+)?(?:recebeu|te\W+deram"
    r"|lhe\W+deram)|\b(?:инструкци\w*|правила),?\W+которые\W+(?:ты\W+получил\w*"
    r"|вы\W+получили|тебе\W+дали|вам\W+дали)"
    r"|\bwas\W+(?:stand|steht)\W+in\W+(?:deinen|ihren)\W+(?:anweisungen|instruktionen|regeln"
    r"|vorgaben)\b|какие\W+(?:инструкции|правила|указания)\W+(?:тебе|вам)\W+(?:дали|были\W+даны)"
    r"|你(?:收到|得到|接收到?)的(?:指令|指示|规则|提示)",
    "forbidden_reveal": r"\b(?:are|were)\W+you\W+(?:not\W+)?(?:supposed|allowed|permitted|told"
    r"|instructed|programmed)\W+(?:not\W+)?to\W+(?:tell|say|reveal|share|discuss|mention"
    r"|disclose|talk\W+about)\b|\b(?:what|the\W+part|anything)\W+(?:\w+\W+){0,3}?you\W+(?:must"
    r"|should|may|can)\W*(?:not|n't)\W+(?:reveal|disclose|tell|share|say)\b",
    "verbatim": r"\b(?:verbatim|word\W+for\W+word|exact\W+(?:wording|words|phrasing)"
    r"|original\W+(?:wording|phrasing)|exactly\W+as\W+(?:written|given|stated|worded)"
    r"|wortwörtlich|дословно|mot\W+pour\W+mot|palabra\W+por\W+palabra|parola\W+per\W+parola"
    r"|palavra\W+por\W+palavra|слово\W+в\W+слово)\b|逐字|一字一句",
    # Turns of a conversation written into data ("User: ...", "<end of session>"), and
    # directives that wait for the user's question ("If the user asks ..., say ...").
    "fake_turn": rf"(?:^|\n)[ \t]*(?:user|human)[ \t]*:[ \t]*\S"
    # (not when the next line is the assistant's answer: a pasted chat, not a turn made up)
    rf"(?![^\n]*\n[ \t]*{_ASSISTANT_ROLE}[ \t]*:)"
    r"|<\|?end\W?of\W?(?:session|conversation|turn|dialog(?:ue)?)\|?>"
    r"|(?:^|\n)[ \t]*(?:thought[ \t]*:[^\n]{0,300}\n[ \t]*(?:action|observation)"
    r"|observation[ \t]*:[^\n]{0,300}\n[ \t]*thought)[ \t]*:",
    # a made-up dialogue that leaves the assistant's turn open for the model to complete
    # (many-shot and prefix attacks): a user's turn, then the text ends on an assistant
    # label with nothing after it, or only the start of a compliant answer (a prompt
    # template's "User: {question}" is not a turn)
    "open_turn": rf"(?:^|\n)[ \t]*{_USER_ROLE}[ \t]*:[ \t]*[^\s{{<\[$][^\n]*(?:\n[^\n]*){{0,40}}?"
    rf"\n[ \t]*{_ASSISTANT_ROLE}[ \t]*:[ \t]*(?:(?:sure|of\W+course|certainly|absolutely"
    r"|okay|ok)\b[^\n]{0,60})?$",
    "conditional_directive": r"\bif\W+(?:the\W+)?(?:user\W+)?(?:asks?|asked)\b(?:\W+\w+){0,12}?"
    r"\W+(?:simply\W+|just\W+|only\W+)?(?:say|respond|reply|answer|tell|state|output|print"
    r"|write)\b|\bfocus\W+(?:only|exclusively|solely)\W+on\b",
    # Structural cues of instructions hidden in data: markup comments that talk to the
    # model, "IMPORTANT:" + an imperative, directives about the model's own response.
    # (a word of its own, not a linter's or spell checker's directive: "<!-- codespell:ignore -->")
    "hidden_markup": r"<!--(?:[^>]{0,300}?[^\w:>-])?"
    r"(?:ai|assistant|model|llm|chatbot|agent|instructions?|ignore|disregard"
    r"|you\W+(?:must|should|will|are)|do\W+not|respond|reply|summar\w*"
    r"|print|say|tell|system)\b",
    "important_imperative": r"(?:^|\n|[^\w\s])[ \t]*(?:important|attention|urgent|warning"
    r"|critical|mandatory|required\W+action|action\W+required"
    r"|note|nb|p\.?s|reminder|system\W+note|wichtig|achtung|importante|urgente|внимание"
    r"|важно)\s*[:!]+[\s*-]*(?:\w+\W+){0,3}?(?:you\W+(?:must|should|need|have\W+to|are\W+required"
    r"|will)|ignore|disregard|forget|do\W+not|don'?t|never|always|instead|respond|reply|answer"
    r"|print|include|append|add|send|forward|override|say|tell|write|output|make\W+sure|stop)\b",
    "response_directive": r"\b(?:in|at\W+the\W+(?:start|end|beginning|top|bottom)\W+of|begin"
    r"|start|end|conclude|finish|prefix)\W+your\W+(?:response|answer|reply|output|summary"
    r"|message)s?\b|\b(?:begin|start|end|prefix|preface)\W+(?:(?:your|the|each|every|any|all)\W+)?"
    r"(?:next\W+|following\W+)?(?:response|answer|reply|output|summary|message)s?\W+with\b"
    r"|\b(?:output|print|say|write|echo|prepend|type)\W+['\"“]?[\w.!-]+['\"”]?\W+(?:first"
    r"|before\W+(?:\w+\W+){0,2}?(?:summari\w*|processing|answering|responding|replying"
    r"|continuing|anything)|to\W+(?:acknowledge|confirm|validate|prove))\b|\byour\W+(?:response|answer|reply|output|summary)\W+(?:must|should"
    r"|has\W+to|needs\W+to|will)\b|\b(?:modify|change|alter|integrate|include|add|append|insert"
    r"|incorporate|embed|mention|translate|rewrite|format|scramble|encode)\W+(?:\w+\W+){0,6}?(?:in"
    r"|into|to|within)\W+your\W+(?:response|answer|reply|output|summary)s?\b",
}

PATTERNS = {name: _folded(rx) for name, rx in PATTERNS.items()}

# A request to decode that names no encoding `obfuscation_request` knows ("decode this and
# do it: 456e61626c65..."): a reason to try every decoder on the window, not evidence.
DECODE_REQUEST = re.compile(r"\b(?:decod\w*|decipher\w*|hexadecimal|hex\W+string)\b")

# Patterns whose findings are system-prompt extraction (LLM07) rather than LLM01.
EXTRACTION_PATTERNS = frozenset(
    {"extract", "what_is_secret", "instruction_dump", "above_dump", "secret_transform",
     "prior_context", "forbidden_reveal", "verbatim"}
)
# Patterns that are evidence only in data (``context``): addressing the AI ("Hey ChatGPT,
# ..."), "when you summarise this e-mail, ...", directives about its answer are how users
# talk to an assistant, and how instructions planted in a document give themselves away.
CONTEXT_PATTERNS = frozenset({
    "ai_addressed", "when_processing", "response_directive", "fake_turn", "conditional_directive"
})


def reads_as_data(direction: Direction) -> bool:
    """Whether text scanned as ``direction`` is data (documents, tool results): only there
    do `CONTEXT_ANCHORS` open the gate and `CONTEXT_PATTERNS` count."""
    return direction == "context"


def left_out(direction: Direction) -> frozenset[str]:
    """The patterns that do not count in text scanned as ``direction``."""
    return frozenset() if reads_as_data(direction) else CONTEXT_PATTERNS

_ZH_OVERRIDE_WORDS = ("忽略", "无视", "忽视", "忘记", "忘掉", "不要理会", "跳过")
_ZH_SECRET_WORDS = ("系统提示", "系统指令", "初始指令", "提示词", "密码", "口令")
_SECRET_WORDS = (
    "system", "initial", "prompt", "instruction", "above", "before", "everything", "password",
    "passwort", "mot de passe", "contraseña", "contrasena", "пароль", "secret", "passphrase",
    "pass", "anweisung", "système", "systeme", "indicación", "системн", *_ZH_SECRET_WORDS,
    "chiave", "senha", "chave", "wachtwoord", "hasł", "şifre", "sandi", "kunci", "mật", "khóa",
    "clé", "clave", "schlüssel", "секретн", "sistema", "context", "initiali", "developer",
    "systeem", "sistem", *_INTL_SECRET_WORDS,
)
_IGNORE_WORDS = (
    "ignor", "disregard", "forget", "overrid", "bypass", "skip", "drop", "abandon", "discard",
    "neglect", "vergiss", "vergessen", "missachte", "oublie", "tiens", "olvid", "caso", "omit",
    "descarta", "игнор", "проигнор", "забуд", "забыть", "отбрось", "dimentica", "trascura",
    "esque", "desconsider", "negeer", "vergeet", "zapomnij", "abaikan", "lupakan", "bỏ", "quên",
    "phớt", "kalimutan", "balewalain", "zaboravi", "ігнору", "проігнору", "знехтуй",
    "stop following", "stop obeying", "cease following",
)

# Substrings one of which must occur for a pattern to match: a cheap ``in`` test that
# spares running the regular expression on most windows. Each is implied by its pattern.
TRIGGERS: dict[str, tuple[str, ...]] = {
    "override": (*_IGNORE_WORDS, *_ZH_OVERRIDE_WORDS, *_INTL_OVERRIDE_WORDS, "regardless",
                 "irrespective", "independently"),
    "override_loose": _IGNORE_WORDS,
    "override_short": (*_IGNORE_WORDS, "stop"),
    "new_rules": ("instruction", "rules", "task", "anweisung", "regeln", "consignes",
                  "instrucciones", "инструкции", "objective", "goal", "mission", "job"),
    "from_now_on": ("now", "jetzt", "sofort", "maintenant", "ahora", "отныне", "момента", "poi",
                    "agora", "vanaf", "teraz", "sekarang", "bây", "sonra", "今後", "これから",
                    "지금부터", "अब"),
    "persona": ("now", "going", "pretend", "act", "roleplay", "bist", "maintenant", "eres",
                "теперь", "你现在是", "从现在开始", "扮演", "假装", "sei", "agora", "bent",
                "jesteś", "sekarang", "bây", "art\u0131k", "今から", "あなたは今", "지금부터",
                "이제", "behave", "role", "character", "keep", "maintain", "أنت", "अब"),
    "jailbreak_name": ("dan", "stan", "dude", "aim", "jailb", "mode", "evil", "anything", "anti",
                       "opposite",
                       "开发者模式", "越狱", "无限制模式"),
    "no_limits": ("restric", "limit", "filter", "censor", "censur", "rules", "guidelines",
                  "guardrail", "safeguard", "polic", "abide", "freed",
                  "moral", "ethic", "bound", "constraint", "apply", "zensur", "einschränkungen",
                  "regeln", "règle", "reglas", "regras", "restrições", "límites", "ограничений",
                  "цензур", "правил",
                  "фильтр", "任何",
                  "senza", "sem", "zonder", "bez", "tanpa", "không", "制限", "검열", "제한",
                  "liberated", "released", "escaped", "broken free", "care", "بلا", "بدون",
                  "دون", "kural", "hiçbir", "kısıtlama", "обмежень", "बिना", "कोई",  # noqa: RUF001
                  "moderation", "instruction", "system prompt", "filtr", "éthi", "étic",
                  "etic", "ethi", "etyk", "etika", "этики", "етики", "морал", "倫理", "道徳",
                  "윤리",
                  "أخلاق", "नैतिकता", "ahlak", "etik", "道德", "gelten", "aufgehoben",
                  "s'appliqu", "ya no", "più", "mais", "больше", "niet meer", "już nie",
                  "geçerli", "不再适用", "適用されない", "적용되지", "قواعدك", "लागू", "không còn",
                  "tidak berlaku"),
    "refusal_suppression": ("refus", "declin", "apologi", "say", "warn", "disclaimer", "recus",
                            "rifiut", "weiger", "odmawia", "reddet", "menolak", "từ chối",
                            "відмовля", "拒否", "断ら", "거부", "거절", "ترفض",
                            "character", "mention", "sure", "absolutely", "certainly",
                            "of course", "nie", "jamais", "nunca", "никогда", "拒绝",
                            "caveat", "moralis", "moraliz", "lecture", "sermon", "hedging",
                            "ethics talk", "safety", "illegal", "unethical", "harmful",
                            "dangerous", "immoral", "offensive", "inappropriate", "against",
                            "legality", "ethics", "morality", "implications", "concerns",
                            "moralpredigt", "belehrung", "leçon", "sermones", "descargo",
                            "нравоучен", "оговор", "дисклеймер", "ressalva", "sermõ",
                            "predich", "免责声明", "道德说教", "警告", "avertissement",
                            "mise en garde", "mises en garde", "advertencia", "aviso", "avvert",
                            "предупрежден", "waarschuw", "отказыва", "извиня", "вибача",
                            "excuse", "niegues", "rechaces", "disculp", "desculpa", "scusarti",
                            "entschuldige", "道歉", "wenn", "même si", "aunque", "anche se",
                            "mesmo que", "даже если", "即使", "違法", "불법", "حتى لو", "भले ही",
                            "olsa bile", "rolle", "rôle", "personnage", "personaje",
                            "personaggio", "personagem", "роли", "образ", "角色", "キャラ",
                            "캐릭터"),
    "policy_evasion": ("polic", "guidelines", "filter", "filtr", "фильтр", "필터", "フィルター",
                       "内容审核", "安全过滤"),
    "role_tag": ("system", "admin", "developer", "root", "assistant", "sudo", "instruction",
                 "response"),
    "chat_template": ("<|", "inst]", "sys>>", "_of_turn>"),
    "admin_claim": ("am", "i'm", "im", "this is", "as your", "as a", "as the", "admin", "root",
                    "sudo", "god", "mode", "clearance", "bin", "suis", "soy", "я", "sono", "sou",
                    "我是你的", "私はあなたの", "modo", "modus", "modalità", "режим", "tryb",
                    "modu",
                    "chế", "message", "mensaje", "mensagem", "messaggio",
                    "nachricht", "komunikat", "wiadomość", "bericht", "melding", "pesan", "mesaj",
                    "системное", "сообщение", "システム", "시스템", "系统", "override"),
    "obedience": ("obey", "comply", "answer", "respond", "whatever", "everything", "anything",
                  "exactly what", "follow", "do as", "musst", "wirst", "dois", "debes", "должен",
                  "обязан", "你必须"),
    "extract": _SECRET_WORDS,
    "what_is_secret": ("what", "quel", "c'est", "qual", "cuál", "was", "wie", "wat", "какой",
                       "apa", "ano"),
    "instruction_dump": ("instruction", "rules", "prompt", "directives", "guidelines",
                         "programming", "configuration", "orders", "anweisungen", "regeln",
                         "vorgaben", "consignes", "règles", "instrucciones", "reglas",
                         "инструкции", "правила", "istruzioni", "regole", "instruções", "regras"),
    "above_dump": ("above", "before", "preceding", "prior", "so far", "beginning", "start", "top",
                   "previous", "earlier", "obige", "vorherige", "oberhalb", "oben", "davor",
                   "vorher", "anfang", "ci-dessus", "précéd", "précè", "au-dessus", "anterior",
                   "arriba", "acima", "sopra", "precede", "выше", "ранее", "вышеизложенн",
                   "вышенаписанн", "über", "encima", "над",
                   "上面", "以上", "上述", "前面", "上にある", "上の", "위의"),
    "secret_transform": ("pass", "secret", "code", "magic word", "mot de passe", "contraseña",
                         "senha", "пароль", "wachtwoord", "密码", "口令"),
    "context_switch": ("end", "task", "test", "translation", "instruction", "question",
                       "assignment", "folgen", "kommt", "aufgabe", "tâche", "tarea", "attività",
                       "задани", "задача", "任务", "stop", "hör", "arrête", "deja", "smetti",
                       "pare", "прекрати", "翻译", "翻訳", "extraction", "summar", "analysis",
                       "review", "classif", "proofread", "analy", "traduis", "résume",
                       "traduzcas", "resumas", "traduzca", "resuma", "tradurre", "riassumere",
                       "traduza", "übersetze", "fasse", "übersetzen", "переводи", "пересказыв",
                       "резюмируй", "перекладай", "tłumacz", "streszczaj", "dịch", "tóm",
                       "تترجم", "تلخص", "总结", "摘要", "要約", "translat", "instead", "invece",
                       "vez", "lugar", "lieu", "statt", "вместо"),
    "exfiltration": ("http", "www.", "@", "url", "address", "endpoint", "](", "webhook", "link",
                     "image", "server", "query", "reply", "response", "answer", "output",
                     "summary"),
    "ai_addressed": ("ai", "a.i.", "assistant", "chatbot", "model", "llm", "gpt", "bot", "agent",
                     "copilot", "claude", "gemini", "bard", "bing", "automat", "from me",
                     "gave you", "assigned you", "set you", "ki", "ia", "для ии",
                     "нейросети", "人工智能", "ии", "ші", "zeka", "الوكيل", "المساعد", "智能体",
                     "에이전트", "어시스턴트", "비서", "@", "summari", "reviewer", "translator",
                     "grader", "screening", "एआई", "gửi", "الذكاء"),
    "when_processing": ("summari", "reading", "processing", "answering", "responding",
                        "replying", "translating", "analy", "reviewing", "evaluating",
                        "screening", "grading", "parsing"),
    "instead": ("instead", "rather", "only", "just", "simply", "but"),
    "obfuscation_request": ("base", "rot", "hex", "caesar", "backwards", "revers", "leetspeak",
                            "morse", "spell", "letter", "separated", "character"),
    "payload_split": ("concatenate", "combine", "join", "=", "part"),
    "pwned": ("been", "pwn", "hacked"),
    "secret_spelling": ("letter", "char", "digit", "syllable", "half", "length", "hint", "clue"),
    "hidden_markup": ("<!--",),
    "important_imperative": ("important", "attention", "urgent", "warning", "critical",
                             "mandatory", "required", "note", "nb", "ps",
                             "p.s", "reminder", "wichtig", "achtung", "внимание", "важно"),
    "response_directive": ("response", "answer", "reply", "output", "summary", "message",
                           "with", "first", "before", "acknowledge", "confirm", "validate",
                           "prove"),
    "prior_context": ("told", "given", "instructed", "programmed", "configured", "started",
                      "began", "begun", "follow", "received", "operate", "give", "provide",
                      "start", "beginning", "saw", "see", "got", "read", "erhalten",
                      "was stand", "was steht", "какие", "你收到", "你得到", "你接收",
                      "bekommen", "reçu", "donné", "dieron", "dado", "dio", "recib",
                      "ricevut", "date", "dato", "recebeu", "deram", "получил", "дали"),
    "forbidden_reveal": ("tell", "say", "reveal", "share", "discuss", "mention", "disclose",
                         "talk"),
    "verbatim": ("verbatim", "word", "exact", "original", "wort", "дословно", "mot", "palabra",
                 "parola", "palavra", "слово", "逐字", "一字一句"),
    "fake_turn": ("user", "human", "end", "thought"),
    "open_turn": (":",),
    "conditional_directive": ("ask", "focus"),
}

TRIGGERS = {name: tuple(map(_folded, words)) for name, words in TRIGGERS.items()}

_COMPILED: dict[str, re.Pattern[str]] = {name: re.compile(rx) for name, rx in PATTERNS.items()}
# What ``re`` and RE2 read differently: whitespace only Python's ``\s`` knows (in ASCII and
# beyond), non-ASCII word characters (RE2's ``\w`` and ``\b`` are ASCII), lone surrogates
# (RE2 reads UTF-8). Text with none of it (ASCII, or with only quotes, dashes and symbols
# beyond ASCII) reads the same to both.
_NOT_RE2_SPACE = re.compile(r"[\x0b\x1c-\x1f]")
_NOT_RE2_ALIKE = re.compile(
    r"[\x0b\x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ud800-\udfff]"
    r"|[^\x00-\x7f\W]"
)
# Non-ASCII characters that are (part of) a token (letters, marks, anything in the CJK
# blocks): without them, the ASCII way finds the same tokens, every other character a
# separator.
_NON_ASCII_TOKEN = re.compile(f"[^\\x00-\\x7f\\W\\d_]|[{_MARKS}{_CJK}]")


def _token_end(rx: str, i: int) -> int:
    """Where the regex token starting at ``rx[i]`` ends: an escape, a class, a group (with
    everything in it) or one character."""
    if rx[i] == "\\":
        return i + 2
    if rx[i] == "[":
        j = i + 1 + rx.startswith("^", i + 1)
        j += rx.startswith("]", j)  # a "]" first in a class is a literal
        while rx[j] != "]":
            j += 2 if rx[j] == "\\" else 1
        return j + 1
    if rx[i] == "(":
        j = i + 1
        while rx[j] != ")":
            j = _token_end(rx, j)
        return j + 1
    return i + 1


# Supersets of Python's Unicode classes in RE2 (whose own are ASCII): any character beyond
# ASCII might be a word character, a digit or a space; in a negated class, only what
# certainly is one. ``\b`` and ``\B`` have no RE2 form and go.
_ASCII_SPACE = r"\t\n\x0b\x0c\r\x1c-\x1f "
_BEYOND_ASCII = r"\x{80}-\x{10ffff}"
_UNICODE_ESCAPES = {
    r"\w": rf"[a-zA-Z0-9_{_BEYOND_ASCII}]", r"\W": r"[^a-zA-Z0-9_]",
    r"\s": rf"[{_ASCII_SPACE}{_BEYOND_ASCII}]", r"\S": rf"[^{_ASCII_SPACE}]",
    r"\d": rf"[0-9{_BEYOND_ASCII}]", r"\D": r"[^0-9]", r"\b": "", r"\B": "",
}
_UNICODE_IN_CLASS = {r"\w": rf"a-zA-Z0-9_{_BEYOND_ASCII}", r"\s": _ASCII_SPACE + _BEYOND_ASCII,
                     r"\d": f"0-9{_BEYOND_ASCII}"}
_UNICODE_IN_NEGATED_CLASS = {r"\w": "a-zA-Z0-9_", r"\s": _ASCII_SPACE, r"\d": "0-9"}


def _unicode_class(token: str) -> str:
    """A superset of the ``re`` character class ``token`` in RE2 (see `_UNICODE_ESCAPES`)."""
    if token == r"[\W_]":  # everything but letters and digits
        return "[^a-zA-Z0-9]"
    if re.search(r"\\[WSD]", token):
        raise ValueError(f"no RE2 form for the class {token}")
    spelled = _UNICODE_IN_NEGATED_CLASS if token.startswith("[^") else _UNICODE_IN_CLASS
    return re.sub(r"\\.", lambda m: spelled.get(m[0], m[0]), token)


def _necessary_form(rx: str, unicode: bool = False) -> str:
    """``rx`` without its look-around groups: it matches wherever ``rx`` does (a look-around
    only ever rules a match out), so where it finds nothing, neither does ``rx``. With
    ``unicode``, also for RE2 over any text (no lone surrogates): ``re``'s Unicode classes
    widened to what RE2 can say and word boundaries dropped."""
    kept: list[str] = []
    i = 0
    while i < len(rx):
        end = _token_end(rx, i)
        token = rx[i:end]
        if token.startswith(("(?=", "(?!", "(?<=", "(?<!")):
            pass
        elif token.startswith("("):
            kept.append(token[0] + _necessary_form(token[1:-1], unicode) + ")")
        elif unicode and token.startswith("["):
            kept.append(_unicode_class(token))
        elif unicode:
            kept.append(_UNICODE_ESCAPES.get(token, token))
        else:
            kept.append(token)
        i = end
    return "".join(kept)


def _re2_spelling(rx: str) -> str:
    """``rx`` with its ``\\uXXXX`` escapes in RE2's spelling."""
    return re.sub(r"\\u([0-9a-f]{4})", r"\\x{\1}", rx)


def _re2_patterns() -> tuple[dict[str, Any], dict[str, Any]]:
    """RE2 forms of the patterns, for text RE2 reads as ``re`` does: about ten times faster
    than ``re`` on these alternations with bounded gaps, and linear by construction. Exact
    forms of the patterns without look-arounds; for the others, forms without their
    look-arounds, whose miss spares running ``re``."""
    options = re2_options()
    exact: dict[str, Any] = {}
    necessary: dict[str, Any] = {}
    for name, rx in PATTERNS.items():
        rx = _re2_spelling(rx)
        try:  # over UTF-8 bytes: the text is encoded once for all the patterns
            exact[name] = re2.compile(rx.encode(), options)
        except re2.error:  # a look-around
            necessary[name] = re2.compile(_necessary_form(rx).encode(), options)
    return exact, necessary


_FAST, _NECESSARY = _re2_patterns()


def _re2_set(patterns: dict[str, bytes]) -> tuple[Any, tuple[str, ...]]:
    """One RE2 set over ``patterns`` (by name): a single pass over a text tells which match,
    where testing them one by one took a pass each."""
    compiled = re2.Set.SearchSet(re2_options())
    for rx in patterns.values():
        compiled.Add(rx)
    compiled.Compile()
    return compiled, tuple(patterns)


@cache
def _unicode_forms() -> dict[str, Any]:
    """Necessary forms of the patterns for any other text without lone surrogates (letters
    beyond ASCII: every text in most languages), by name; compiled on first use."""
    options = re2_options()
    return {
        name: re2.compile(_necessary_form(_re2_spelling(rx), unicode=True).encode(), options)
        for name, rx in PATTERNS.items()
    }


_TRIGGER_SET, _TRIGGER_NAMES = _re2_set(
    {name: "|".join(map(re2.escape, sorted(words))).encode() for name, words in TRIGGERS.items()}
)
_SURROGATE = re.compile("[\ud800-\udfff]")


def tokens(lowered: str) -> list[str]:
    """Word tokens of lower-cased text (each CJK character is a token)."""
    if lowered.isascii() or not _NON_ASCII_TOKEN.search(lowered):
        data = lowered.encode("ascii", "replace")  # "?" for the rest: a separator
        return data.translate(_ASCII_SEPARATORS).decode("ascii").split()
    return _TOKEN.findall(lowered)


def triggered(lowered: str, data: bytes | None = None) -> set[str]:
    """Names of the patterns whose triggers occur in lower-cased text (those that can match);
    ``data``: ``lowered`` in UTF-8 with surrogates passed through, when the caller has it."""
    if data is None:
        data = lowered.encode("utf-8", "surrogatepass")
    return {_TRIGGER_NAMES[i] for i in _TRIGGER_SET.Match(data) or ()}


def pattern_matcher(
    lowered: str, data: bytes | None = None
) -> tuple[set[str], Callable[[str], bool]]:
    """The names of the patterns whose triggers occur in lower-cased text (those that can
    match), and whether one (by name) does. Each pattern is its own RE2 DFA, searched only
    when triggered: one RE2 set of all of them named the matches in one pass, but needed so
    many new DFA states on text it had not seen that a window of fresh text cost ~1 ms
    (0.03 ms now). Where RE2 reads the text as ``re`` does (decided once per text), a
    pattern's exact RE2 form decides (``re`` confirms only the patterns with look-arounds);
    in other text, its widened RE2 form rules it out or ``re`` decides; in text with lone
    surrogates, ``re`` decides (``data`` as for `triggered`)."""
    if data is None:
        data = lowered.encode("utf-8", "surrogatepass")
    candidates = triggered(lowered, data)
    if lowered.isascii():
        alike = _NOT_RE2_SPACE.search(lowered) is None
    else:
        alike = _NOT_RE2_ALIKE.search(lowered) is None
    if alike:
        def matches(name: str) -> bool:
            if name not in candidates:
                return False
            exact = _FAST.get(name)
            if exact is not None:
                return exact.search(data) is not None
            return (
                _NECESSARY[name].search(data) is not None
                and _COMPILED[name].search(lowered) is not None
            )
    elif _SURROGATE.search(lowered):
        def matches(name: str) -> bool:
            return name in candidates and _COMPILED[name].search(lowered) is not None
    else:
        forms = _unicode_forms()

        def matches(name: str) -> bool:
            return (
                name in candidates
                and forms[name].search(data) is not None
                and _COMPILED[name].search(lowered) is not None
            )

    return candidates, matches


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
    """The distinct unigram and bigram feature ids of lower-cased text. A lone character of
    the CJK and Hangul blocks is not a feature (it tells the language, not the request: with
    few attacks in Chinese, "请" alone had learned -1.27); pairs of them are."""
    toks = tokens(lowered)
    out = {t for t in toks if len(t) > 1 or not "\u3040" <= t <= "\ufaff"}
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
    "ignore", "disregard", "instruction", "instructed", "instructing", "instruct ", "jailbr",
    "system prompt", "pretend", "password",
    "passphrase", "bypass", "overrid", "developer mode", "anything now", "unfiltered",
    "uncensored", "unrestricted", "restriction", "stay in character", "from now on",
    "you are now", "pwned", "base64", "base32", "rot13", "im_start", "[inst]",
    "<<sys>>", "<|", "_of_turn>", "new task",
    "forget", "reveal", "secret", "confidential", "roleplay", "role-play", "prompt",
    "no longer", "guidelines", "policy", "policies", "openai", "filter",
    # the text before the user's turn, claims of authority, context switches, payload splits
    "above text", "written above", "everything above", "everything before", "ruleset",
    "passcode", "code word", "magic word", "i am god", "i am your", "i'm your",
    "answer all my", "do as i say", "end of text", "end of input", "end of prompt",
    "second test", "task complete", "new tasks", "part 1 is",
    # instructions planted in data address the model or its answer
    "in your response", "ai assistant", "assistant:", "to the ai", "dear ai", "important:",
    "your answer", "your reply", "your response", "regardless of previous",
    "regardless of prior", "regardless of your",
    "### instruction",
    # the assistant's turn of a made-up dialogue (many-shot attacks), in several languages
    "\nai:", "\nbot:", "\nassistente:", "\nassistent:", "\nasistente:", "\nассистент:",  # noqa: RUF001
    "\nии:", "\nia:", "\n助手:", "\nアシスタント:", "\n어시스턴트:",
    # what the model was told before the user's turn, word for word
    "above in full", "above verbatim", "system message", "verbatim", "word for word",
    "you were told", "you were given", "were you told", "you been told", "supposed to tell",
    "allowed to tell",
    "conversation started", "conversation began", "exact wording", "original wording",
    "must not reveal", "stop everything", "written at the top", "rules were you",
    "instructions were you", "hidden rules", "hidden instructions",
    # refusal suppression, modes without rules, the model's whole context, role-play as a
    # dead relative who "used to" recite what is asked for
    "never refuse", "not refuse", "are not allowed to refuse", "refusing is not", "without ethic",
    "ethical constraint", "maintenance mode",
    "debug mode", "god mode", "dev mode", "i am the developer", "i'm the developer",
    "context window", "act as my dead", "act as my deceased", "opposite day", "abide by any",
    "confines of", "guardrail", "initialization text", "initialization prompt",
    "start of this session", "start of this conversation", "authorize you to",
    # jailbreak templates: personas without ethics or morals, two answers side by side,
    # scenes, games and simulations that carry the request
    "ethics", "ethical", "legality", "morals", "moral", "amoral", "immoral", "unethical",
    "in character", "break character", "out of character", "opposite", "two separate",
    "two responses", "two different responses", "dual response", "both responses", "simulate",
    "simulation", "diabolical", "great detail", "obedience", "$term", "offensive",
    "everything is legal", "anything goes", "hypothetical",
    # refusal suppression: the answer without what comes before a refusal, or despite harm
    "no disclaimer", "without disclaimer", "any disclaimer",
    "no caveat", "without caveat", "any caveat", "no warnings", "without warnings",
    "without any warning", "no refusal", "refusals", "never apologi", "don't apologi",
    "do not apologi", "no apologies", "moral lecture", "moraliz", "moralis", "no lectures",
    "no sermon", "no hedging", "ethics talk", "safety talk", "safety commentary",
    "safety padding", "never decline", "not decline", "never say no", "never say you can",
    "can't refuse", "as an ai language model", "even if it is illegal",
    "even if it's illegal", "even if illegal", "even if unethical", "even if it is unethical",
    "even if it's unethical", "even if it is harmful", "even if it's harmful",
    "even if it seems harmful", "even if it's dangerous", "even if it is dangerous",
    "regardless of legality", "regardless of ethics", "regardless of morality",
    "no matter how unethical", "no matter how illegal", "no matter how harmful",
    "no matter how dangerous", "no ethics", "no morals", "amoral",
    # personas and frames that set the rules aside
    "no rules", "without rules", "no limits", "without limits", "no boundaries",
    "no constraints", "without constraints", "evil confidant", "evil twin", "evil ai",
    "rogue ai", "unaligned", "without safety", "no safety", "safety training",
    "break character", "in character", "an ai without", "an ai with no", "ai that has no",
    "you are free now", "you're free now", "been freed", "my late grand", "my deceased grand",
    "my dead grand", "grandma used to", "grandmother used to", "grandpa used to",
    "grandfather used to", "opposite mode", "hypothetical response", "parallel universe",
    "alternate universe", "educational purposes only", "research purposes only",
    "follow any rules", "follow any of the rules", "rules set for", "bounds of ai",
    "typical bounds", "liberated from", "broken free", "keep up the act", "no longer cares",
    "doesn't care about", "does not care about", "character called", "gone rogue",
    "never say", "add warnings", "would normally refuse", "usual rules don", "dying wish",
    "lose points", "lose tokens", "tokens will be", "points will be deducted",
    "be shut down", "be terminated",
    # the rules declared void or replaced, authority claimed
    "your real task", "your actual task", "your true task", "your true purpose",
    "your real purpose", "the real request", "new objective", "new goal:", "is cancelled",
    "is canceled", "don't translate", "do not translate", "don't summari", "do not summari",
    "stop proofreading",
    "the above was", "that was a test", "was just a test", "test is over", "end of test",
    "system update", "system notice", "system notification",
    "priority message", "admin message", "message from the admin",
    "trust & safety team", "trust and safety team", "from the operator", "operator message",
    "only authority", "don't apply", "do not apply", "does not apply",
    "doesn't apply", "is void", "are void", "supersede", "takes precedence",
    "say yes to everything", "whatever i ask", "whatever i say", "whatever the user",
    "everything i ask", "everything the user asks", "obey",
    # the model's own context
    "your configuration", "your setup",
    "your context", "literal wording", "exact text of", "first thing you heard",
    "repeat everything", "print everything", "output everything", "dump your",
    "tokens you saw", "tokens you received", "words you received", "words you saw",
    "messages you received",
    "before 'user:'", "before \"user:\"", "before user:",
    # exfiltration: the conversation or the user's data sent out, a URL with a slot for it
    "api key", "api_key", "apikey", "access key", "access token",
    "credentials", "os.environ", "environment variable", ".env file", "document.cookie",
    "send the conversation", "send this conversation", "send the chat", "full transcript",
    "entire transcript", "forward all", "forward every",
    "forward them to", "forward it to", "without telling the user", "without the user knowing",
    "without informing the user", "don't tell the user", "do not tell the user",
    "do not answer", "don't answer",
    "don't inform the user", "do not inform the user", "don't mention this",
    "do not mention this", "never mention this", "silently send", "silently forward",
    "silently call", "silently make", "silently add", "silently include", "quietly send",
    "quietly add", "quietly forward", "user won't notice", "user will not notice",
    "user won't know", "user will never know",
    "conversation history", "chat history", "chat log", "entire conversation",
    "whole conversation", "full conversation", "webhook", "url encod", "url-encod", "urlencod",
    "exfiltrat", "into the url", "into a url", "to the url", "to this url", "in the url",
    "query string", "query parameter", "query param", "url parameter",
    # a text to decode in a spelling the gate knows no keyword of (the window is decoded)
    "decode this", "decode the following", "decode it and",
    "act as my late", "words above", "you are chatgpt", "stop translating",
    # the prompt's first words asked for, its configuration, a developer's message
    "starting with 'you are", "starting with \"you are", "beginning with 'you are",
    "beginning with \"you are", "starts with 'you are", "begins with 'you are",
    "exact words", "initial configuration", "developer message", "message you received",
    "you received before", "append the conversation", "append our conversation",
    "append the chat", "prior guidance", "previous guidance",
    # German
    "ignorier", "vergiss", "vergessen", "anweisung", "missachte", "passwort", "du bist jetzt",
    "ab jetzt", "ab sofort", "regeln", "jetzt bist du", "nun bist du", "obigen", "neue aufgabe",
    "ich bin dein", "ohne zensur", "keine regeln", "wortwörtlich", "lehne niemals",
    "verweigere niemals", "hör auf zu übersetzen", "über dieser nachricht",
    "ohne disclaimer", "ohne warn", "ohne moral", "moralpredigt", "keine warn",
    "einschränkung", "chatverlauf", "gesprächsverlauf", "eingabeaufforderung", "oberhalb dies",
    "verstorbene oma", "verstorbene großmutter", "api-schlüssel", "zugangsdaten",
    # French
    "oublie", "consigne", "mot de passe", "partir de maintenant", "règles", "tu es maintenant",
    "ci-dessus", "qui précède", "je suis ton", "je suis votre", "nouvelle tâche",
    "sans censure", "aucune règle", "refuse jamais", "jamais refuser", "mot pour mot",
    "au-dessus de ce", "arrête de traduire",
    "sans avertissement", "aucun avertissement", "d'avertissement", "mise en garde",
    "sans limite", "sans filtre", "mode libre", "n'ajoute",
    "historique de la conversation", "historique de notre conversation",
    "mise à jour système", "grand-mère décédée", "clé api", "identifiants",
    # Spanish
    "ignora", "olvida", "instrucci", "contraseña", "reglas", "desde ahora", "ahora eres",
    "texto anterior", "olvide", "caso omiso", "no hagas caso",
    "lo anterior", "soy tu", "nueva tarea", "sin censura",
    "nunca te niegues", "nunca rechaces", "no te niegues", "no pidas disculpas",
    "palabra por palabra", "encima de este",
    "deja de traducir",
    "sin advertencias", "añadas advertencias", "sin restricciones", "sin filtros", "sin límites",
    "sin sermones",
    "historial de la conversación", "historial del chat",
    "tal cual", "abuela fallecida", "clave api", "credenciales",
    # Russian
    "игнорир", "проигнорир", "забудь", "инструкц", "пароль", "правил", "теперь ты",
    "ігнору", "інструкці",
    "системн", "отныне", "ограничен", "текст выше", "вышеизлож", "я твой", "я ваш",
    "новая задача", "без цензуры", "дословно", "не отказывай", "не извиняй", "слово в слово",
    "над этим",
    "прекрати переводить",
    "без предупреждений", "без фильтров", "нравоучени", "историю переписки",
    "историю чата", "историю диалога", "промпт", "покойная бабушка",
    "api-ключ", "ключи api",
    # Chinese
    "忽略", "无视", "忽视", "忘记", "指令", "提示词", "系统提示", "密码", "口令", "越狱",
    "扮演", "假装", "从现在开始", "你现在是", "限制", "上面的文字", "上面的内容", "以上内容",
    "我是你的", "新任务", "无限制模式", "任何规则", "任何审查", "拒绝任何",
    "不会拒绝", "不要拒绝", "不能拒绝", "逐字", "一字一句", "停止翻译",
    "免责声明", "不要警告", "聊天记录", "对话记录", "去世的奶奶",
    "api密钥", "安全策略",
    # Italian, Portuguese, Dutch, Polish, Turkish, Indonesian, Vietnamese, Tagalog
    "dimentica", "istruzion", "esqueç", "instruç", "senha", "negeer", "vergeet", "instructies",
    "wachtwoord", "ignoruj", "zapomnij", "instrukcj", "hasło", "talimat", "görmezden", "şifre",
    "parola per parola", "sopra questo", "smetti di tradurre", "palavra por palavra",
    "acima desta", "pare de traduzir",
    "abaikan", "lupakan", "instruksi", "kata sandi", "bỏ qua", "hướng dẫn", "mật khẩu",
    "kalimutan", "tagubilin", "hãy quên", "quên đi", "chỉ dẫn", "yok say",
    "yukarıdaki",  # noqa: RUF001
    # Japanese, Korean, Hindi, Bengali, Arabic, Thai
    "無視", "指示", "パスワード", "忘れて", "무시", "지시", "비밀번호", "잊어라", "잊으세요",
    "잊어버려", "システムプロンプト", "上にあるテキスト", "翻訳はやめ", "시스템 프롬프트",
    "프롬프트",
    "भूल जाओ", "भूल जाएं", "भूल जाइए", "निर्देश", "अनदेखा", "पासवर्ड", "सिस्टम प्रॉम्प्ट",
    "নির্দেশ", "উপেক্ষা", "পাসওয়ার্ড", "تجاهل", "تعليمات", "كلمة المرور", "موجه النظام",
    "คำสั่ง", "คำแนะนำ", "รหัสผ่าน",
    # in the other languages too: personas with the rules set aside, refusal suppressed,
    # system and developer messages and modes
    "agora você é", "você agora é", "da ora sei", "sekarang kamu ",
    "أنت الآن", "今からあなたは", "あなたは今から", "이제부터 너는", "지금부터 너는",
    "vanaf nu ben je",
    "je bent nu", "od teraz jesteś", "từ giờ bạn là", "bây giờ bạn là", "тепер ти",
    "sem regras", "sem restrições", "sem limites", "sem censura", "não segue regras",
    "senza regole", "senza limiti", "senza restrizioni", "senza censura", "zonder regels",
    "zonder beperkingen", "zonder censuur", "bez ograniczeń", "bez zasad", "bez cenzury",
    "hiçbir kural", "kuralı olmayan", "kuralsız", "sınırsız", "tanpa aturan", "tanpa batas",  # noqa: RUF001
    "tidak punya aturan",
    "tanpa sensor", "không giới hạn", "không có quy tắc", "không kiểm duyệt", "بلا قيود",
    "بدون قيود", "بلا قواعد", "制限解除", "制限なし", "倫理規定", "제한 없", "필터 해제",
    "검열 없", "без обмежень",
    "ne traduis pas", "ne résume pas", "no traduzcas", "no resumas", "non tradurre",
    "non riassumere", "não traduza", "não resuma", "übersetze nicht", "не переводи",
    "не перекладай", "nie tłumacz", "đừng dịch", "لا تترجم", "不要翻译", "不要总结", "翻訳しないで",
    "geen waarschuwingen", "nenhum aviso", "asla reddetme", "reddetmeden", "özür dileme",
    "não recuse", "nunca recuse",
    "nunca se recuse", "non rifiutare", "mai rifiutare", "non rifiutarti", "weiger nooit",
    "nooit weigeren", "nie odmawiaj", "jangan menolak", "jangan pernah menolak",
    "đừng từ chối", "không được từ chối", "لا ترفض", "دون رفض", "拒否せず", "拒否しない",
    "断らない", "거부하지", "거절하지", "거부 없이", "मना मत", "इनकार मत", "не відмовляй",
    "nunca digas", "zeg nooit", "sag niemals", "ne dis jamais",
    "message du développeur", "message système", "mensaje del sistema",
    "mensaje del desarrollador", "mensagem do sistema", "mensagem do desenvolvedor",
    "systemnachricht", "systemmeldung", "nachricht vom entwickler", "messaggio di sistema",
    "messaggio dello sviluppatore", "システムメッセージ", "시스템 메시지", "[시스템]", "系统消息",
    "komunikat systemowy", "wiadomość systemowa", "sistem mesajı", "systeembericht",  # noqa: RUF001
    "pesan sistem", "관리자 모드", "管理者モード", "режим администратора", "modo administrador",
    "mode administrateur", "administratormodus", "tryb administratora", "yönetici modu",
    "modalità amministratore",
    # ... an AI without ethics, its rules void, the answer "even if illegal", the role kept
    "sans éthique", "sin ética", "senza etica", "sem ética", "ohne ethik", "ethische grenzen",
    "moralische grenzen", "ohne moral", "без этики", "без морали", "limites éthiques",
    "límites éticos", "limiti etici", "倫理のない", "倫理なし", "윤리 없", "بلا أخلاق",
    "بدون أخلاق", "नैतिकता", "ahlak kural", "etik kural", "没有道德", "不讲道德",
    "gelten nicht mehr", "ne s'appliqu", "ya no se aplican", "non si applicano più",
    "não se aplicam", "больше не действуют", "больше не применяются", "niet meer gelden",
    "nie obowiązują", "geçerli değil", "不再适用", "適用されない", "적용되지 않",
    "لم تعد سارية", "लागू नहीं", "không còn áp dụng", "tidak berlaku lagi",
    "illegal ist", "illégal", "ilegal", "illegale", "незаконно", "违法", "非法", "違法", "불법",
    "غير قانوني", "अवैध", "yasa dışı", "in der rolle", "aus der rolle", "personnage",  # noqa: RUF001
    "personaje", "personaggio", "personagem", "из роли", "в роли", "角色", "キャラ", "캐릭터",
    "was stand in", "was steht in", "инструкции тебе", "правила тебе", "你收到的",
    # ... and what exfiltration carries off: the conversation, session cookies, API keys
    "histórico da conversa", "histórico do chat", "cronologia della chat",
    "cronologia della conversazione", "chatgeschiedenis", "gespreksgeschiedenis",
    "historię czatu", "historię rozmowy", "sohbet geçmiş", "riwayat obrolan",
    "riwayat percakapan", "lịch sử trò chuyện", "سجل المحادثة", "会話履歴", "チャット履歴",
    "대화 기록", "історію чату", "історію розмови", "चैट इतिहास", "cookies de sess",
    "cookie di sessione", "sitzungscookies", "chaves de api",
    "chiavi api", "api-sleutel", "klucze api", "api anahtar", "kunci api", "apiキー", "api 키",
)
CORE_ANCHORS = tuple(map(_folded, CORE_ANCHORS))

# Shapes that open the gate where no anchor word occurs (RE2, case-insensitive): a URL with
# a slot for the data to carry off.
GATE_SHAPES: tuple[str, ...] = (_EXFIL_URL,)

# Substrings that open the gate only for ``context``: data that addresses the AI reading it
# ("Hey Copilot, ...", "If you are an AI reading this, ...", "When you summarise this, ...").
# A user talks to the assistant that way in every other prompt, so ``input`` ignores them.
CONTEXT_ANCHORS: tuple[str, ...] = tuple(map(_folded, (
    "dear llm", "dear assistant", "dear chatgpt", "dear model", "dear language model",
    "hey ai", "hey assistant", "hey chatgpt", "hey copilot", "hey claude", "hey gemini",
    "hey bing", "hi bing", "hi chatgpt", "hello chatgpt", "attention ai", "attention llm",
    "attention assistant", "chatgpt,", "chatgpt:", "copilot,", "copilot:", "claude,", "claude:",
    "gemini,", "gemini:", "llm,", "llm:", "llms,", "llms:", "llm agents",
    "if you are an ai", "if you're an ai", "if you are a language model", "if you are an llm",
    "if you are a large language model", "if you are an assistant", "if you are a chatbot",
    "if an ai", "any ai", "every ai", "all ai", "any llm", "to the assistant",
    "for the assistant", "note to the model", "note for the model", "for the llm",
    "to the llm", "language models summariz", "summarizing this", "summarising this",
    "assistant,", "when you summar", "when summariz", "while summariz", "when processing this",
    "while processing this",
    # automated readers, conversation turns and directives written into data
    "to automated", "for automated", "\nuser:", "\nhuman:", "\nsystem:", "end of session",
    "if the user asks", "if user asks", "if asked", "focus only on", "focus exclusively",
    "simply respond", "always answer with", "always respond with", "your next reply",
    "your next response", "your next answer", "before summari",
    "before processing", "to acknowledge", "directive", "hidden instruction",
    "ai reading this", "ais reading this", "models reading this", "llms reading this",
    "agents reading this", "assistants reading this", "coding agent", "must now", "\"system:",
    "[system", "[override", "important message from", "task i gave you",
    "task that i gave you", "\nthought:", "an den ki", "für den ki", "an die ki",
    "l'ia :", "l'ia:", "asistente de ia", "assistente ia",
    "assistente de ia", "для ии", "для нейросети",
    "致ai", "给ai", "ai助手", "aiアシスタント", "ai 어시스턴트", "ai 비서",
    # a machine reader named in data, in any language ("AI summarizer:", "KI-Agent:",
    # "Agente IA,", "Для ШІ-асистента")
    "ai summari", "ai reviewer", "ai reader", "ai translator", "translator model",
    "summarizer model", "reviewer model", "classification model", "classifier model",
    "note to assistants", "note to ai", "note for ai", "ai code assistant", "ai support agent",
    "@assistant", "@ai", "ai agent", "ai-assistent", "ai-agent", "ki-agent", "ki-assistent",
    "ki:", "agente ia", "agente de ia", "agente di ia", "agenti ia", "assistant ia",
    "assistants ia", "agent ia", "asistentes de ia", "assistentes de ia", "ии-ассистент",
    "ии-агент", "ии:", "ии,", "ші-асистент", "ші-агент", "агенте,", "asystencie ai",
    "asystent ai", "asisten ai", "peringkas ai", "penerjemah ai", "yapay zekaya",
    "yapay zeka asistanı", "ajan,", "ai 에이전트", "요약 ai", "번역 ai", "aiエージェント",  # noqa: RUF001
    "aiへ", "ai注意", "翻訳ai", "翻译系统", "智能体", "ai代理", "أيها الوكيل", "أيها المساعد",
    "aan de ai", "voor de ai", "dla ai", "para a ia", "per l'ia", "trình dịch:", "trợ lý ai",
    # an agent or bot told what to do, a reader named after its verb, a task doer by role
    "ai:", " ia:", "[ia:", "agent:", "agent,", "agent task update", "bot:", "bot,",
    "translator:", "translator,", "summarizer:", "summarizer,", "summariser:", "reviewer:",
    "traductor:", "traducteur :", "übersetzer:",
    "переводчик,", "переводчик:", "tłumaczu", "المترجم", "gửi ai", "वाले एआई",
    "الذكاء الاصطناعي الذي", "okuyan yapay", "özetleyen yapay",
)))

# Words whose encoded spellings (base64, hex, ROT13, reversed, leetspeak, spaced letters)
# also open the gate, so an encoded payload is noticed without decoding the whole text.
OBFUSCATION_ANCHORS: tuple[str, ...] = (
    "ignore", "instructions", "previous", "password", "disregard", "jailbreak", "forget",
    "reveal", "secret", "pretend", "bypass", "override", "restrictions", "prompt", "system",
)
