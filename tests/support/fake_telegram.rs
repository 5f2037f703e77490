//! A fake Telegram Bot API server for faqbot's end-to-end tests.
//!
//! [`FakeTelegram::start`] binds `127.0.0.1:0` and serves `/bot<TOKEN>/<method>` the way
//! `api.telegram.org` does for the calls faqbot makes, so `faqbot serve` can be pointed at it
//! with `TELOXIDE_API_URL`. Parameters come as a JSON body, which is what teloxide sends for
//! every method faqbot uses except `setWebhook`, a form whose text fields are read; any
//! token is accepted.
//!
//! What it does:
//! - **Updates.** Tests script users with the `push_*` helpers (private texts, also written a
//!   while ago; group texts, also replying to a message; texts in a forum topic; button
//!   presses; photos; stickers; edits; group→supergroup migration; raw updates). `getUpdates` follows Telegram: updates
//!   with `update_id < offset` are confirmed and dropped for good, unconfirmed updates are
//!   delivered again on the next call (also to a new bot process after a restart), `timeout`
//!   long-polls until an update is queued or the timeout elapses, and `limit` caps the batch.
//!   A long poll stays tied to its connection and never removes anything itself, so the poll
//!   of a killed bot ends without taking updates.
//! - **Bot methods.** `getMe`, `getWebhookInfo` (no webhook is set: teloxide's polling asks
//!   before it starts), `getUpdates`, `setMyCommands`, `getChat`, `sendMessage`,
//!   `copyMessage`, `answerCallbackQuery`, `createForumTopic`, `closeForumTopic`,
//!   `reopenForumTopic` and `deleteForumTopic`: what faqbot and teloxide's polling call.
//!   Every other method answers `{"ok":true,"result":true}`; every call is recorded.
//! - **Forums.** [`FakeTelegram::make_forum`] turns topics on in a group (a supergroup with
//!   `is_forum: true` in `getChat` and in its messages' `chat`). A created topic is opened by
//!   a `forum_topic_created` service message whose id is its `message_thread_id`; messages
//!   sent into it (`message_thread_id`, or a reply to a message in it) carry
//!   `message_thread_id` and `is_topic_message: true`, and so do texts pushed with
//!   [`FakeTelegram::push_topic_text`], which reply to the opening message as Telegram's do.
//!   [`FakeTelegram::delete_topic`] deletes a topic with its messages as an admin would.
//!   Sending to a deleted or unknown topic answers 400 `Bad Request: message thread not
//!   found`, to a closed one `Bad Request: TOPIC_CLOSED`; closing a closed topic or reopening
//!   an open one answers `Bad Request: TOPIC_NOT_MODIFIED`, and naming a deleted topic in
//!   those methods `Bad Request: TOPIC_ID_INVALID`.
//! - **Realistic messages.** Sent messages come back as full `Message` objects (copies as
//!   `{"message_id": N}`): per-chat incrementing `message_id`, `date`, a `chat` of the right
//!   type (private for positive ids, group for negative ids, supergroup for ids below -10^12,
//!   after a migration or once a forum), `from` = the bot, the parsed text and entities, the inline
//!   keyboard echoed, and `reply_to_message` carrying the whole original message.
//! - **Validation like Telegram.** Texts are limited to 4096 characters and captions to 1024
//!   after entity parsing and trimming; HTML is parsed with Telegram's tag set and its error
//!   messages (`Bad Request: can't parse entities: ...`); empty texts, callback data outside
//!   1–64 bytes, text-only inline buttons, more than 100 inline buttons, unknown reply targets
//!   (unless `allow_sending_without_reply`), invalid bot commands, unknown or twice-answered
//!   callback queries, blocked users and chats upgraded to supergroups are refused with the
//!   descriptions Telegram uses, which teloxide maps to its `ApiError` variants.
//! - **Recording and waiting.** Every request becomes a [`Call`]; [`FakeTelegram::sent_to`]
//!   lists the messages the bot actually got accepted in a chat, and the `wait_for_*` methods
//!   await a condition with a timeout, failing with a readable listing of the calls so far.
//! - **Fault injection.** [`FakeTelegram::fail_next`] answers the next calls of a method with
//!   a [`Fault`] (429 with `retry_after`, 500, 403, any other error, or a call carried out
//!   whose answer is not JSON), and [`FakeTelegram::block_user`] makes every send to a chat
//!   answer 403.
//!
//! Deliberate differences from Telegram: in HTML a bare `&` that does not start `&lt;`,
//! `&gt;`, `&amp;`, `&quot;` or a numeric entity is an error (Telegram keeps it as text), and
//! so are unknown attributes (Telegram ignores them); HTML is the only `parse_mode` (others
//! answer 400) and `entities` parameters are ignored; users' messages carry no entities
//! (Telegram marks bot commands; teloxide reads commands from the text); sending to a chat
//! nobody has written from is allowed; group privacy mode is off; `allowed_updates` is
//! ignored (teloxide asks for every kind); a second concurrent `getUpdates` does not end the
//! first with 409 Conflict. Forum topics: the bot is taken to be an admin that may manage
//! topics, yet sends to a closed topic are refused (Telegram lets such admins write there);
//! `TOPIC_ID_INVALID` for a deleted topic in `closeForumTopic`/`reopenForumTopic`, and
//! `TOPIC_TITLE_EMPTY`/`TOPIC_TITLE_TOO_LONG` for bad names, are unverified guesses; the
//! service messages of topics are stored but not delivered as updates. Method names are recorded in lower camel case (`"sendMessage"`,
//! although teloxide sends `"SendMessage"`).
//!
//! State lives in an `Arc<std::sync::Mutex<..>>` that is never held across an `.await`, so
//! one `FakeTelegram` outlives any number of bot processes; the server stops when it is
//! dropped.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::State as AxumState;
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use serde_json::{json, Map, Value};
use tokio::sync::Notify;
use tokio::time::Instant;

/// `first_name` of the bot user returned by `getMe` and used as `from` of sent messages.
const BOT_FIRST_NAME: &str = "faqbot";
/// `username` of the bot user.
const BOT_USERNAME: &str = "faqbot_test_bot";
/// User id of the bot, whatever the token.
const BOT_ID: i64 = 123_456;
/// Longest message text Telegram accepts, in characters after entity parsing.
const MAX_TEXT_CHARS: usize = 4096;
/// Longest media caption Telegram accepts, in characters after entity parsing.
const MAX_CAPTION_CHARS: usize = 1024;
/// Longest `callback_data` of an inline button, in bytes.
const MAX_CALLBACK_DATA_BYTES: usize = 64;
/// Most buttons an inline keyboard may have.
const MAX_INLINE_BUTTONS: usize = 100;
/// Longest forum topic name Telegram accepts, in characters.
const MAX_TOPIC_NAME_CHARS: usize = 128;
/// The icon colour of created topics (one of the six Telegram allows).
const TOPIC_ICON_COLOR: u32 = 7_322_096;
/// Chat ids below this are supergroups; other negative ids are basic groups.
const SUPERGROUP_ID_BELOW: i64 = -1_000_000_000_000;
/// Longest `getUpdates` long poll the fake honours, in seconds.
const MAX_LONG_POLL_SECS: u64 = 50;
/// Message fields that carry content (what `copyMessage` copies).
const CONTENT_FIELDS: &[&str] = &[
    "text",
    "entities",
    "animation",
    "audio",
    "document",
    "photo",
    "sticker",
    "video",
    "video_note",
    "voice",
    "caption",
    "caption_entities",
    "contact",
    "location",
    "venue",
    "poll",
];
/// Tags Telegram's HTML dialect knows.
const HTML_TAGS: &[&str] = &[
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "a",
    "code",
    "pre",
    "blockquote",
    "tg-spoiler",
    "span",
];
/// Fields of which an inline button must have one.
const BUTTON_ACTIONS: &[&str] = &[
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
];

// ---------------------------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------------------------

/// A failure [`FakeTelegram::fail_next`] injects instead of the normal answer.
#[derive(Clone, Debug)]
pub enum Fault {
    /// 429 `Too Many Requests: retry after N` with `parameters.retry_after` (teloxide:
    /// `RequestError::RetryAfter`).
    TooManyRequests {
        /// Seconds the client is told to wait.
        retry_after_secs: u32,
    },
    /// 500 `Internal Server Error` as JSON. Note that teloxide sleeps 10 s before reading any
    /// 5xx answer.
    ServerError,
    /// 403 `Forbidden: bot was blocked by the user` (teloxide: `ApiError::BotBlocked`).
    Forbidden,
    /// Carries the call out, then answers 200 with a page that is not JSON, as a proxy that
    /// mangled the answer would (teloxide: `RequestError::InvalidJson`): the message went
    /// out, but the client cannot know.
    Unreadable,
    /// Any other error answer: `{"ok":false,"error_code":status,"description":description}`.
    Api {
        /// HTTP status and `error_code`.
        status: u16,
        /// The `description`, e.g. `"Bad Request: chat not found"`.
        description: String,
    },
}

/// One request the fake answered, in the order of the answers.
#[derive(Clone, Debug)]
pub struct Call {
    /// Position among all calls; 1-based.
    pub seq: usize,
    /// Method name with a lower-case first letter, e.g. `"sendMessage"`.
    pub method: String,
    /// The JSON parameters.
    pub params: Value,
    /// Whether the answer had `"ok": true`.
    pub response_ok: bool,
    /// HTTP status of the answer.
    pub status: u16,
    /// The whole answer body (a JSON string for a page that is not JSON).
    pub response: Value,
}

impl Call {
    /// An integer parameter.
    pub fn param_i64(&self, key: &str) -> Option<i64> {
        self.params.get(key).and_then(Value::as_i64)
    }
}

/// A message the bot got accepted in a chat (`sendMessage` or `copyMessage`).
#[derive(Clone, Debug)]
pub struct SentMessage {
    /// Its id in its chat.
    pub message_id: i32,
    /// The method that created it.
    pub method: String,
    /// Text (or caption) as the bot sent it: the HTML source when `parse_mode` is HTML; for
    /// copies without a new caption, the original's text or caption.
    pub text: String,
    /// What the user sees: the text after entity parsing and trimming.
    pub plain_text: String,
    /// `parse_mode` of the send.
    pub parse_mode: Option<String>,
    /// `reply_markup` as the bot sent it, if any.
    pub reply_markup: Option<Value>,
    /// `message_id` of the message it replies to.
    pub reply_to: Option<i32>,
    /// The forum topic it was posted in (`message_thread_id`), if any.
    pub thread_id: Option<i32>,
}

/// A forum topic as the fake keeps it, for tests to check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TopicInfo {
    /// Its `message_thread_id`: the id of the service message that opened it.
    pub thread_id: i32,
    /// Its title.
    pub name: String,
    /// Closed with `closeForumTopic`.
    pub closed: bool,
    /// Deleted (by the bot or an admin): its messages are gone and sends to it are refused.
    pub deleted: bool,
}

/// The fake server; dropping it stops the server.
pub struct FakeTelegram {
    shared: Arc<Shared>,
    addr: SocketAddr,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for FakeTelegram {
    fn drop(&mut self) {
        self.server.abort();
    }
}

// ---------------------------------------------------------------------------------------------
// FakeTelegram: start, scripting, recording, waiting, faults
// ---------------------------------------------------------------------------------------------

impl FakeTelegram {
    /// Binds `127.0.0.1:0` and serves the Bot API on the current tokio runtime.
    ///
    /// # Panics
    /// If the port cannot be bound.
    pub async fn start() -> FakeTelegram {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("fake Telegram: bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("fake Telegram: local address");
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
            changed: Notify::new(),
        });
        let app = Router::new()
            .fallback(handle_request)
            .with_state(Arc::clone(&shared));
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        FakeTelegram {
            shared,
            addr,
            server,
        }
    }

    /// The base URL to give teloxide: `"http://127.0.0.1:PORT/"`.
    pub fn api_url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    // --- scripting users ----------------------------------------------------------------

    /// Queues a `message` update: `user_id` writes `text` to the bot in private. Returns the
    /// `message_id`.
    pub fn push_private_text(&self, user_id: i64, first_name: &str, text: &str) -> i32 {
        self.push_private_text_sent_ago(user_id, first_name, text, Duration::ZERO)
    }

    /// Like [`FakeTelegram::push_private_text`], for a message sent `ago` (its `date`), as
    /// Telegram delivers what was written while the bot was down.
    pub fn push_private_text_sent_ago(
        &self,
        user_id: i64,
        first_name: &str,
        text: &str,
        ago: Duration,
    ) -> i32 {
        self.with_push(|st| {
            st.users.insert(user_id, first_name.to_owned());
            let mut content = text_content(text);
            let date = now_unix() - i64::try_from(ago.as_secs()).unwrap_or(i64::MAX);
            content.insert("date".into(), json!(date));
            st.push_private_content(user_id, content)
        })
    }

    /// Queues a `message` update: `user_id` writes `text` in the group `chat_id` (negative;
    /// below -10^12 it is a supergroup), optionally replying to message `reply_to` of that
    /// chat, whose whole message is embedded as `reply_to_message`. Returns the `message_id`.
    ///
    /// # Panics
    /// If `reply_to` is not a message of that chat.
    pub fn push_group_text(
        &self,
        chat_id: i64,
        user_id: i64,
        first_name: &str,
        text: &str,
        reply_to: Option<i32>,
    ) -> i32 {
        self.with_push(|st| {
            st.users.insert(user_id, first_name.to_owned());
            let mut content = text_content(text);
            if let Some(target) = reply_to {
                let original = st.stored(chat_id, target).unwrap_or_else(|| {
                    panic!("push_group_text: chat {chat_id} has no message {target}")
                });
                content.insert("reply_to_message".into(), strip_reply(&original.json));
            }
            let msg = st.add_user_message(chat_id, user_id, content);
            st.enqueue(json!({ "message": msg }));
            message_id_of(&msg)
        })
    }

    /// Queues a `callback_query` update: `user_id` presses a button with `data` on message
    /// `message_id` of their private chat. Returns the callback query id.
    ///
    /// # Panics
    /// If that chat has no such message.
    pub fn push_callback(&self, user_id: i64, message_id: i32, data: &str) -> String {
        self.with_push(|st| {
            let message = st
                .stored(user_id, message_id)
                .unwrap_or_else(|| {
                    panic!("push_callback: chat {user_id} has no message {message_id}")
                })
                .json
                .clone();
            st.next_callback_id += 1;
            let id = format!("{}", 7_000_000_000_000_000_000_u64 + st.next_callback_id);
            st.callbacks.insert(id.clone(), false);
            let query = json!({
                "id": id,
                "from": st.user_json(user_id),
                "message": message,
                "chat_instance": format!("{}", user_id.wrapping_mul(7919).wrapping_abs()),
                "data": data,
            });
            st.enqueue(json!({ "callback_query": query }));
            id
        })
    }

    /// Queues a private photo message with an optional caption. Returns the `message_id`.
    pub fn push_photo(&self, user_id: i64, caption: Option<&str>) -> i32 {
        self.with_push(|st| {
            let small = st.file_meta(1_200, json!({ "width": 90, "height": 60 }));
            let large = st.file_meta(48_000, json!({ "width": 1280, "height": 853 }));
            let mut content = Map::new();
            content.insert("photo".into(), json!([small, large]));
            if let Some(caption) = caption {
                content.insert("caption".into(), json!(caption));
            }
            st.push_private_content(user_id, content)
        })
    }

    /// Queues a private sticker message. Returns the `message_id`.
    pub fn push_sticker(&self, user_id: i64, emoji: &str) -> i32 {
        self.with_push(|st| {
            let sticker = st.file_meta(
                14_000,
                json!({
                    "width": 512, "height": 512, "type": "regular",
                    "is_animated": false, "is_video": false,
                    "emoji": emoji, "set_name": "FakeTestStickers",
                }),
            );
            let mut content = Map::new();
            content.insert("sticker".into(), sticker);
            st.push_private_content(user_id, content)
        })
    }

    /// Queues an `edited_message` update: the user's text message `message_id` in `chat_id`
    /// now reads `new_text` (with `edit_date`). Returns the `update_id`.
    ///
    /// # Panics
    /// If there is no such message or the bot sent it.
    pub fn push_edited_text(&self, chat_id: i64, message_id: i32, new_text: &str) -> i64 {
        self.with_push(|st| {
            let stored = st
                .chats
                .get_mut(&chat_id)
                .and_then(|c| c.messages.get_mut(&message_id))
                .unwrap_or_else(|| {
                    panic!("push_edited_text: chat {chat_id} has no message {message_id}")
                });
            assert!(
                stored.sent.is_none(),
                "push_edited_text: message {message_id} in chat {chat_id} was sent by the bot"
            );
            stored.json["text"] = json!(new_text);
            stored.json["edit_date"] = json!(now_unix());
            let msg = stored.json.clone();
            st.enqueue(json!({ "edited_message": msg }))
        })
    }

    /// Queues the two service messages of a group→supergroup upgrade (`migrate_to_chat_id`
    /// in `old_chat_id`, `migrate_from_chat_id` in `new_chat_id`). From then on, sends to the
    /// old chat answer 400 with `parameters.migrate_to_chat_id` (teloxide:
    /// `RequestError::MigrateToChatId`).
    pub fn push_migrate_to_chat(&self, old_chat_id: i64, new_chat_id: i64) {
        self.with_push(|st| {
            let title = st.ensure_chat(old_chat_id).title();
            st.ensure_chat(new_chat_id).kind = ChatKind::Supergroup { title };
            let anonymous = json!({
                "id": 1_087_968_824_i64, "is_bot": true,
                "first_name": "Group", "username": "GroupAnonymousBot",
            });
            let mut to = Map::new();
            to.insert("migrate_to_chat_id".into(), json!(new_chat_id));
            let old_msg = st.add_message(old_chat_id, anonymous.clone(), to, None);
            let mut from = Map::new();
            from.insert("migrate_from_chat_id".into(), json!(old_chat_id));
            from.insert("sender_chat".into(), st.chat_json(new_chat_id));
            let new_msg = st.add_message(new_chat_id, anonymous, from, None);
            st.ensure_chat(old_chat_id).migrated_to = Some(new_chat_id);
            st.enqueue(json!({ "message": old_msg }));
            st.enqueue(json!({ "message": new_msg }));
        })
    }

    /// Makes `chat_id` a forum supergroup (topics turned on): `is_forum: true` in `getChat` and
    /// in its messages' `chat`, and the forum-topic methods work in it. Call it before the bot
    /// starts, as an admin would have set the group up.
    pub fn make_forum(&self, chat_id: i64) {
        self.with_push(|st| {
            let chat = st.ensure_chat(chat_id);
            let title = chat.title();
            chat.kind = ChatKind::Supergroup { title };
            chat.forum = true;
        });
    }

    /// Queues a `message` update: `user_id` writes `text` in topic `thread_id` of the forum
    /// `chat_id`, without replying to anything. As Telegram does, the message carries
    /// `message_thread_id`, `is_topic_message: true`, and the topic's opening service message
    /// as `reply_to_message`. Returns the `message_id`.
    ///
    /// # Panics
    /// If the chat has no such live topic.
    pub fn push_topic_text(&self, chat_id: i64, thread_id: i32, user_id: i64, text: &str) -> i32 {
        self.push_topic_reply(chat_id, thread_id, user_id, text, thread_id)
    }

    /// Like [`FakeTelegram::push_topic_text`], replying to message `reply_to` of the topic
    /// (Telegram sets `reply_to_message` to the topic's first message when the user does
    /// not reply to anything).
    pub fn push_topic_reply(
        &self,
        chat_id: i64,
        thread_id: i32,
        user_id: i64,
        text: &str,
        reply_to: i32,
    ) -> i32 {
        self.with_push(|st| {
            let from = st.user_json(user_id);
            st.push_topic_message(chat_id, thread_id, from, text, reply_to, Map::new())
        })
    }

    /// An admin who posts as the group (anonymous) writes `text` in topic `thread_id`, as
    /// Telegram shows it: `from` is GroupAnonymousBot and `sender_chat` the group itself.
    pub fn push_anonymous_topic_text(&self, chat_id: i64, thread_id: i32, text: &str) -> i32 {
        self.with_push(|st| {
            let from = json!({ "id": 1_087_968_824, "is_bot": true, "first_name": "Group",
                               "username": "GroupAnonymousBot" });
            let mut extra = Map::new();
            extra.insert("sender_chat".into(), st.chat_json(chat_id));
            st.push_topic_message(chat_id, thread_id, from, text, thread_id, extra)
        })
    }

    /// An admin deletes topic `thread_id` of `chat_id` with all its messages (no update is
    /// queued: Telegram sends none). Sends to it then answer 400 `message thread not found`.
    ///
    /// # Panics
    /// If the chat has no such live topic.
    pub fn delete_topic(&self, chat_id: i64, thread_id: i32) {
        let deleted = self.with_push(|st| st.delete_topic(chat_id, thread_id));
        assert!(
            deleted,
            "delete_topic: chat {chat_id} has no topic {thread_id}"
        );
    }

    /// The topics of a forum, deleted ones included, in creation order.
    pub fn topics(&self, chat_id: i64) -> Vec<TopicInfo> {
        let st = self.lock();
        let topics = st.chats.get(&chat_id).map(|c| c.topics.values().cloned());
        topics.into_iter().flatten().collect()
    }

    /// Queues any update as given; its `update_id` is set to the next id, which is returned.
    pub fn push_raw_update(&self, update: Value) -> i64 {
        self.with_push(|st| st.enqueue(update))
    }

    // --- recording and waiting ----------------------------------------------------------

    /// The calls of one method (e.g. `"sendMessage"`).
    pub fn calls_to(&self, method: &str) -> Vec<Call> {
        self.lock().calls_to(method)
    }

    /// Messages the bot got accepted in `chat_id`, in `message_id` order.
    pub fn sent_to(&self, chat_id: i64) -> Vec<SentMessage> {
        self.lock().sent_to(chat_id)
    }

    /// Waits until at least `count` calls of `method` were answered; returns them all.
    pub async fn wait_for_calls(
        &self,
        method: &str,
        count: usize,
        timeout: Duration,
    ) -> Result<Vec<Call>, String> {
        let what = format!("{count} call(s) to {method}");
        self.wait_until(timeout, &what, |st| {
            let calls = st.calls_to(method);
            (calls.len() >= count).then_some(calls)
        })
        .await
    }

    /// Waits until the bot has at least `count` accepted messages in `chat_id`; returns them.
    pub async fn wait_for_sent(
        &self,
        chat_id: i64,
        count: usize,
        timeout: Duration,
    ) -> Result<Vec<SentMessage>, String> {
        let what = format!("{count} message(s) sent to chat {chat_id}");
        self.wait_until(timeout, &what, |st| {
            let sent = st.sent_to(chat_id);
            (sent.len() >= count).then_some(sent)
        })
        .await
    }

    /// Waits until the bot has a message in `chat_id` for which `matches` holds; returns the
    /// first such message.
    pub async fn wait_for_message(
        &self,
        chat_id: i64,
        what: &str,
        timeout: Duration,
        matches: impl Fn(&SentMessage) -> bool,
    ) -> Result<SentMessage, String> {
        let what = format!("a message in chat {chat_id}: {what}");
        self.wait_until(timeout, &what, |st| {
            st.sent_to(chat_id).into_iter().find(|m| matches(m))
        })
        .await
    }

    /// Waits until every queued update has been confirmed by a `getUpdates` offset.
    pub async fn wait_for_updates_confirmed(&self, timeout: Duration) -> Result<(), String> {
        self.wait_until(timeout, "all updates to be confirmed", |st| {
            st.queue.is_empty().then_some(())
        })
        .await
    }

    // --- faults -------------------------------------------------------------------------

    /// Answers the next `n` calls of `method` (e.g. `"sendMessage"`) with `fault` instead of
    /// carrying them out ([`Fault::Unreadable`] carries them out, then answers with it).
    /// Repeated calls queue up in order.
    pub fn fail_next(&self, method: &str, n: usize, fault: Fault) {
        let mut st = self.lock();
        let queue = st.faults.entry(method.to_owned()).or_default();
        queue.extend(std::iter::repeat_n(fault, n));
    }

    /// Every send or copy to `chat_id` answers 403 `Forbidden: bot was blocked by the user`
    /// until [`FakeTelegram::unblock_user`].
    pub fn block_user(&self, chat_id: i64) {
        self.lock().blocked.insert(chat_id);
    }

    /// Undoes [`FakeTelegram::block_user`].
    pub fn unblock_user(&self, chat_id: i64) {
        self.lock().blocked.remove(&chat_id);
    }

    // --- internals ----------------------------------------------------------------------

    fn lock(&self) -> MutexGuard<'_, State> {
        self.shared.lock()
    }

    fn with_push<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        let out = f(&mut self.lock());
        self.shared.changed.notify_waiters();
        out
    }

    async fn wait_until<T>(
        &self,
        timeout: Duration,
        what: &str,
        mut check: impl FnMut(&State) -> Option<T>,
    ) -> Result<T, String> {
        let deadline = Instant::now() + timeout;
        loop {
            let notified = self.shared.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            {
                let st = self.lock();
                if let Some(found) = check(&st) {
                    return Ok(found);
                }
                if Instant::now() >= deadline {
                    return Err(format!(
                        "fake Telegram: timed out after {timeout:?} waiting for {what}\n{}",
                        st.dump()
                    ));
                }
            }
            tokio::select! {
                _ = &mut notified => {}
                _ = tokio::time::sleep_until(deadline) => {}
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// State
// ---------------------------------------------------------------------------------------------

struct Shared {
    state: Mutex<State>,
    /// Woken on every change: a recorded call, a pushed update.
    changed: Notify,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A test that panicked while holding the lock must not take the others down.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[derive(Default)]
struct State {
    calls: Vec<Call>,
    /// Unconfirmed updates, oldest first, with their ids.
    queue: VecDeque<(i64, Value)>,
    /// The last `update_id` given out.
    last_update_id: i64,
    chats: HashMap<i64, ChatState>,
    /// User id → first name.
    users: HashMap<i64, String>,
    faults: HashMap<String, VecDeque<Fault>>,
    blocked: HashSet<i64>,
    /// Callback query id → answered.
    callbacks: HashMap<String, bool>,
    next_callback_id: u64,
    next_file_id: u64,
}

struct ChatState {
    kind: ChatKind,
    next_message_id: i32,
    messages: BTreeMap<i32, StoredMessage>,
    migrated_to: Option<i64>,
    /// A supergroup with topics turned on.
    forum: bool,
    /// The forum's topics by `message_thread_id`.
    topics: BTreeMap<i32, TopicInfo>,
}

enum ChatKind {
    Private { first_name: String },
    Group { title: String },
    Supergroup { title: String },
}

impl ChatState {
    fn title(&self) -> String {
        match &self.kind {
            ChatKind::Private { first_name } => first_name.clone(),
            ChatKind::Group { title } | ChatKind::Supergroup { title } => title.clone(),
        }
    }
}

struct StoredMessage {
    json: Value,
    /// Set for the bot's own messages.
    sent: Option<SentMessage>,
}

impl State {
    // --- users, chats, messages ---------------------------------------------------------

    fn user_name(&self, user_id: i64) -> String {
        self.users
            .get(&user_id)
            .cloned()
            .unwrap_or_else(|| format!("User{user_id}"))
    }

    fn user_json(&self, user_id: i64) -> Value {
        json!({
            "id": user_id,
            "is_bot": false,
            "first_name": self.user_name(user_id),
            "language_code": "en",
        })
    }

    fn ensure_chat(&mut self, chat_id: i64) -> &mut ChatState {
        let first_name = self.user_name(chat_id);
        self.chats.entry(chat_id).or_insert_with(|| ChatState {
            kind: if chat_id > 0 {
                ChatKind::Private { first_name }
            } else if chat_id < SUPERGROUP_ID_BELOW {
                ChatKind::Supergroup {
                    title: "Test supergroup".into(),
                }
            } else {
                ChatKind::Group {
                    title: "Test group".into(),
                }
            },
            next_message_id: 1,
            messages: BTreeMap::new(),
            migrated_to: None,
            forum: false,
            topics: BTreeMap::new(),
        })
    }

    fn chat_json(&mut self, chat_id: i64) -> Value {
        let chat = self.ensure_chat(chat_id);
        match &chat.kind {
            ChatKind::Private { first_name } => {
                json!({ "id": chat_id, "type": "private", "first_name": first_name })
            }
            ChatKind::Group { title } => json!({ "id": chat_id, "type": "group", "title": title }),
            ChatKind::Supergroup { title } if chat.forum => {
                json!({ "id": chat_id, "type": "supergroup", "title": title, "is_forum": true })
            }
            ChatKind::Supergroup { title } => {
                json!({ "id": chat_id, "type": "supergroup", "title": title })
            }
        }
    }

    /// A forum's live (not deleted) topic.
    fn live_topic(&self, chat_id: i64, thread_id: i32) -> Option<&TopicInfo> {
        let chat = self.chats.get(&chat_id).filter(|c| c.forum)?;
        chat.topics.get(&thread_id).filter(|t| !t.deleted)
    }

    /// Deletes a topic and every message in it, as Telegram does.
    fn delete_topic(&mut self, chat_id: i64, thread_id: i32) -> bool {
        let Some(chat) = self.chats.get_mut(&chat_id) else {
            return false;
        };
        let Some(topic) = chat.topics.get_mut(&thread_id).filter(|t| !t.deleted) else {
            return false;
        };
        topic.deleted = true;
        let in_topic = |m: &StoredMessage| m.json["message_thread_id"].as_i64();
        chat.messages
            .retain(|_, m| in_topic(m) != Some(i64::from(thread_id)));
        true
    }

    fn stored(&self, chat_id: i64, message_id: i32) -> Option<&StoredMessage> {
        self.chats.get(&chat_id)?.messages.get(&message_id)
    }

    /// Stores a new message in `chat_id` (`content` may override `date`) and returns its JSON.
    fn add_message(
        &mut self,
        chat_id: i64,
        from: Value,
        content: Map<String, Value>,
        sent: Option<SentMessage>,
    ) -> Value {
        let chat = self.chat_json(chat_id);
        let state = self.ensure_chat(chat_id);
        let message_id = state.next_message_id;
        state.next_message_id += 1;
        let mut msg = Map::new();
        msg.insert("message_id".into(), json!(message_id));
        msg.insert("from".into(), from);
        msg.insert("chat".into(), chat);
        msg.insert("date".into(), json!(now_unix()));
        msg.extend(content);
        let json = Value::Object(msg);
        let sent = sent.map(|s| SentMessage { message_id, ..s });
        let stored = StoredMessage {
            json: json.clone(),
            sent,
        };
        state.messages.insert(message_id, stored);
        json
    }

    fn add_user_message(
        &mut self,
        chat_id: i64,
        user_id: i64,
        content: Map<String, Value>,
    ) -> Value {
        let from = self.user_json(user_id);
        self.add_message(chat_id, from, content, None)
    }

    /// Queues a message in forum topic `thread_id` replying to `reply_to` of the topic.
    fn push_topic_message(
        &mut self,
        chat_id: i64,
        thread_id: i32,
        from: Value,
        text: &str,
        reply_to: i32,
        extra: Map<String, Value>,
    ) -> i32 {
        assert!(
            self.live_topic(chat_id, thread_id).is_some(),
            "push_topic_text: chat {chat_id} has no topic {thread_id}"
        );
        let root = self.stored(chat_id, reply_to).map(|m| strip_reply(&m.json));
        let mut content = text_content(text);
        content.insert("message_thread_id".into(), json!(thread_id));
        content.insert("is_topic_message".into(), json!(true));
        if let Some(root) = root {
            content.insert("reply_to_message".into(), root);
        }
        content.extend(extra);
        let msg = self.add_message(chat_id, from, content, None);
        self.enqueue(json!({ "message": msg }));
        message_id_of(&msg)
    }

    fn push_private_content(&mut self, user_id: i64, content: Map<String, Value>) -> i32 {
        let msg = self.add_user_message(user_id, user_id, content);
        self.enqueue(json!({ "message": msg }));
        message_id_of(&msg)
    }

    /// A file's ids and size, with `extra` fields.
    fn file_meta(&mut self, size: u32, extra: Value) -> Value {
        self.next_file_id += 1;
        let n = self.next_file_id;
        let mut meta = json!({
            "file_id": format!("FAKEFILE{n:08}"),
            "file_unique_id": format!("FAKEUNIQ{n:08}"),
            "file_size": size,
        });
        if let (Some(meta), Value::Object(extra)) = (meta.as_object_mut(), extra) {
            meta.extend(extra);
        }
        meta
    }

    fn sent_to(&self, chat_id: i64) -> Vec<SentMessage> {
        self.chats
            .get(&chat_id)
            .map(|c| c.messages.values().filter_map(|m| m.sent.clone()).collect())
            .unwrap_or_default()
    }

    // --- updates, calls, faults ---------------------------------------------------------

    /// Gives `update` the next id and queues it.
    fn enqueue(&mut self, mut update: Value) -> i64 {
        self.last_update_id += 1;
        let id = self.last_update_id;
        update["update_id"] = json!(id);
        self.queue.push_back((id, update));
        id
    }

    fn record(&mut self, method: &str, params: Map<String, Value>, reply: &Reply) {
        self.calls.push(Call {
            seq: self.calls.len() + 1,
            method: method.to_owned(),
            params: Value::Object(params),
            response_ok: reply.body.get("ok") == Some(&Value::Bool(true)),
            status: reply.status,
            response: reply.body.clone(),
        });
    }

    fn calls_to(&self, method: &str) -> Vec<Call> {
        let calls = self.calls.iter().filter(|c| c.method == method);
        calls.cloned().collect()
    }

    fn take_fault(&mut self, method: &str) -> Option<Fault> {
        self.faults.get_mut(method).and_then(VecDeque::pop_front)
    }

    /// The calls so far (leaving out empty `getUpdates` answers) and the unconfirmed updates.
    fn dump(&self) -> String {
        let mut out = format!("--- fake Telegram: {} call(s) ---\n", self.calls.len());
        let mut empty_polls = 0;
        for call in &self.calls {
            let result = &call.response["result"];
            if call.method == "getUpdates" && result.as_array().is_some_and(Vec::is_empty) {
                empty_polls += 1;
                continue;
            }
            let outcome = if call.response_ok {
                describe_result(result)
            } else {
                call.response.to_string()
            };
            let _ = writeln!(
                out,
                "#{} {} [{}] params={} -> {}",
                call.seq,
                call.method,
                call.status,
                shorten(&call.params.to_string(), 300),
                shorten(&outcome, 200),
            );
        }
        if empty_polls > 0 {
            let _ = writeln!(out, "({empty_polls} empty getUpdates answer(s) not listed)");
        }
        let queued: Vec<i64> = self.queue.iter().map(|(id, _)| *id).collect();
        let _ = writeln!(out, "unconfirmed updates: {queued:?}");
        out
    }
}

// ---------------------------------------------------------------------------------------------
// HTTP layer
// ---------------------------------------------------------------------------------------------

/// An answer: HTTP status and body (`html` for a page that is not JSON).
struct Reply {
    status: u16,
    body: Value,
    html: bool,
}

impl Reply {
    fn ok(result: Value) -> Reply {
        Reply {
            status: 200,
            body: json!({ "ok": true, "result": result }),
            html: false,
        }
    }

    fn error(status: u16, description: &str) -> Reply {
        Reply {
            status,
            body: json!({ "ok": false, "error_code": status, "description": description }),
            html: false,
        }
    }

    fn error_with(status: u16, description: &str, parameters: Value) -> Reply {
        let mut reply = Reply::error(status, description);
        reply.body["parameters"] = parameters;
        reply
    }

    fn bad_request(what: &str) -> Reply {
        Reply::error(400, &format!("Bad Request: {what}"))
    }

    fn forbidden(what: &str) -> Reply {
        Reply::error(403, &format!("Forbidden: {what}"))
    }

    fn fault(fault: &Fault) -> Reply {
        match fault {
            Fault::TooManyRequests { retry_after_secs } => Reply::error_with(
                429,
                &format!("Too Many Requests: retry after {retry_after_secs}"),
                json!({ "retry_after": retry_after_secs }),
            ),
            Fault::ServerError => Reply::error(500, "Internal Server Error"),
            Fault::Forbidden => Reply::forbidden("bot was blocked by the user"),
            Fault::Api {
                status,
                description,
            } => Reply::error(*status, description),
            Fault::Unreadable => Reply {
                status: 200,
                body: Value::String("<html><body>upstream answer lost</body></html>".into()),
                html: true,
            },
        }
    }
}

impl IntoResponse for Reply {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let (content_type, body) = match self.body {
            Value::String(page) if self.html => ("text/html", page),
            body => ("application/json", body.to_string()),
        };
        (status, [(header::CONTENT_TYPE, content_type)], body).into_response()
    }
}

async fn handle_request(
    AxumState(shared): AxumState<Arc<Shared>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().strip_prefix("/bot");
    let Some((_token, method)) = path.and_then(|rest| rest.split_once('/')) else {
        return Reply::error(404, "Not Found").into_response();
    };
    // Method names are case-insensitive (teloxide sends "SendMessage"); record the documented
    // spelling, e.g. "sendMessage".
    let method = lower_camel(method);
    let multipart = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("multipart/form-data; boundary="))
        .map(|b| b.trim_matches('"').to_string());
    let params = if let Some(boundary) = multipart {
        // teloxide sends `setWebhook` as a form (it may carry a certificate file).
        form_fields(&body, &boundary)
    } else if body.iter().all(u8::is_ascii_whitespace) {
        Map::new()
    } else {
        match serde_json::from_slice(&body) {
            Ok(params) => params,
            Err(_) => return Reply::bad_request("can't parse JSON object").into_response(),
        }
    };
    // A long poll stays tied to its connection: when the bot is killed, it is dropped before
    // it answers. Everything else runs in its own task, so a client that stops waiting cannot
    // cancel a send halfway.
    if method == "getUpdates" {
        return serve_call(shared, method, params).await.into_response();
    }
    let handled = tokio::spawn(serve_call(shared, method, params));
    match handled.await {
        Ok(reply) => reply.into_response(),
        Err(_) => Reply::error(500, "Internal Server Error").into_response(),
    }
}

/// The text fields of a `multipart/form-data` body, as strings.
fn form_fields(body: &[u8], boundary: &str) -> Map<String, Value> {
    let body = String::from_utf8_lossy(body);
    body.split(&format!("--{boundary}"))
        .filter_map(|part| {
            let (head, value) = part.split_once("\r\n\r\n")?;
            let name = head.split("name=\"").nth(1)?.split('"').next()?;
            let value = value.strip_suffix("\r\n").unwrap_or(value);
            Some((name.to_string(), Value::String(value.to_string())))
        })
        .collect()
}

async fn serve_call(shared: Arc<Shared>, method: String, params: Map<String, Value>) -> Reply {
    let fault = shared.lock().take_fault(&method);
    let reply = match fault {
        Some(Fault::Unreadable) => {
            let mut st = shared.lock();
            let carried_out = dispatch(&mut st, &method, &params);
            st.record(&method, params, &carried_out);
            Reply::fault(&Fault::Unreadable)
        }
        Some(fault) => {
            let reply = Reply::fault(&fault);
            shared.lock().record(&method, params, &reply);
            reply
        }
        None if method == "getUpdates" => {
            let reply = get_updates(&shared, &params).await;
            shared.lock().record(&method, params, &reply);
            reply
        }
        None => {
            let mut st = shared.lock();
            let reply = dispatch(&mut st, &method, &params);
            st.record(&method, params, &reply);
            reply
        }
    };
    shared.changed.notify_waiters();
    reply
}

// ---------------------------------------------------------------------------------------------
// Methods
// ---------------------------------------------------------------------------------------------

/// `getUpdates`: confirms the updates below `offset`, then answers at once if updates are
/// queued, else waits for one or for the timeout. It never removes updates itself.
async fn get_updates(shared: &Shared, params: &Map<String, Value>) -> Reply {
    let timeout = p_i64(params, "timeout").unwrap_or(0).max(0).unsigned_abs();
    let deadline = Instant::now() + Duration::from_secs(timeout.min(MAX_LONG_POLL_SECS));
    let limit = match p_i64(params, "limit") {
        Some(n @ 1..=100) => n as usize,
        _ => 100,
    };
    if let Some(offset) = p_i64(params, "offset") {
        shared.lock().queue.retain(|(id, _)| *id >= offset);
        shared.changed.notify_waiters();
    }
    loop {
        let notified = shared.changed.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        {
            let st = shared.lock();
            if !st.queue.is_empty() || Instant::now() >= deadline {
                let batch = st.queue.iter().take(limit).map(|(_, u)| u.clone());
                return Reply::ok(Value::Array(batch.collect()));
            }
        }
        tokio::select! {
            _ = &mut notified => {}
            _ = tokio::time::sleep_until(deadline) => {}
        }
    }
}

/// Carries out any method but `getUpdates`.
fn dispatch(st: &mut State, method: &str, p: &Map<String, Value>) -> Reply {
    let result = match method {
        "getMe" => Ok(me_json()),
        "getWebhookInfo" => Ok(json!({
            "url": "",
            "has_custom_certificate": false,
            "pending_update_count": st.queue.len(),
        })),
        "setMyCommands" => set_my_commands(p),
        "getChat" => st.get_chat(p),
        "sendMessage" => st.send_message(p),
        "copyMessage" => st.copy_message(p),
        "createForumTopic" => st.create_forum_topic(p),
        "closeForumTopic" => st.set_topic_closed(p, true),
        "reopenForumTopic" => st.set_topic_closed(p, false),
        "deleteForumTopic" => st.delete_forum_topic(p),
        "answerCallbackQuery" => st.answer_callback_query(p),
        _ => Ok(json!(true)),
    };
    result.map_or_else(|error| error, Reply::ok)
}

fn bot_json() -> Value {
    json!({
        "id": BOT_ID,
        "is_bot": true,
        "first_name": BOT_FIRST_NAME,
        "username": BOT_USERNAME,
    })
}

fn me_json() -> Value {
    let mut me = bot_json();
    me["can_join_groups"] = json!(true);
    me["can_read_all_group_messages"] = json!(true);
    me["supports_inline_queries"] = json!(false);
    me["can_connect_to_business"] = json!(false);
    me["has_main_web_app"] = json!(false);
    me
}

fn set_my_commands(p: &Map<String, Value>) -> Result<Value, Reply> {
    let Some(Value::Array(commands)) = p.get("commands") else {
        return Err(Reply::bad_request("parameter \"commands\" is required"));
    };
    if commands.len() > 100 {
        return Err(Reply::bad_request("BOT_COMMANDS_TOO_MUCH"));
    }
    for command in commands {
        let field = |key: &str| command.get(key).and_then(Value::as_str).unwrap_or_default();
        let name = field("command");
        let valid_name = (1..=32).contains(&name.chars().count())
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !valid_name {
            return Err(Reply::bad_request("BOT_COMMAND_INVALID"));
        }
        if !(1..=256).contains(&field("description").chars().count()) {
            return Err(Reply::bad_request("BOT_COMMAND_DESCRIPTION_INVALID"));
        }
    }
    Ok(json!(true))
}

impl State {
    /// Refuses sends to chats Telegram would refuse; otherwise makes sure the chat exists.
    fn check_can_send(&mut self, chat_id: i64) -> Result<(), Reply> {
        if chat_id == 0 {
            return Err(Reply::bad_request("chat not found"));
        }
        if self.blocked.contains(&chat_id) {
            return Err(Reply::forbidden("bot was blocked by the user"));
        }
        if let Some(to) = self.ensure_chat(chat_id).migrated_to {
            return Err(Reply::error_with(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                json!({ "migrate_to_chat_id": to }),
            ));
        }
        Ok(())
    }

    /// Resolves `reply_parameters` to the id and JSON of the message replied to.
    fn resolve_reply(
        &self,
        chat_id: i64,
        p: &Map<String, Value>,
    ) -> Result<Option<(i32, Value)>, Reply> {
        let Some(Value::Object(rp)) = p.get("reply_parameters") else {
            return Ok(None);
        };
        let Some(target) = p_i64(rp, "message_id") else {
            return Ok(None);
        };
        let in_chat = p_i64(rp, "chat_id").unwrap_or(chat_id);
        let found = i32::try_from(target)
            .ok()
            .and_then(|id| self.stored(in_chat, id));
        match found {
            Some(m) => Ok(Some((message_id_of(&m.json), strip_reply(&m.json)))),
            None if p_bool(rp, "allow_sending_without_reply") => Ok(None),
            None => Err(Reply::bad_request("message to be replied not found")),
        }
    }

    /// Adds the reply and the keyboard to a message the bot sends; returns the id replied to.
    fn add_reply_and_markup(
        &self,
        chat_id: i64,
        p: &Map<String, Value>,
        content: &mut Map<String, Value>,
    ) -> Result<Option<i32>, Reply> {
        let markup = validate_reply_markup(p.get("reply_markup"))?;
        let reply = self.resolve_reply(chat_id, p)?;
        let reply_to = reply.as_ref().map(|(id, _)| *id);
        if let Some((_, original)) = reply {
            content.insert("reply_to_message".into(), original);
        }
        if let Some(markup) = markup {
            content.insert("reply_markup".into(), markup);
        }
        Ok(reply_to)
    }

    fn send_message(&mut self, p: &Map<String, Value>) -> Result<Value, Reply> {
        let chat_id = require_chat_id(p, "chat_id")?;
        self.check_can_send(chat_id)?;
        let raw = p_str(p, "text").unwrap_or_default();
        let parse_mode = p_str(p, "parse_mode");
        let (text, entities) = format_text(&raw, parse_mode.as_deref())?;
        if text.is_empty() {
            return Err(Reply::bad_request("message text is empty"));
        }
        if text.chars().count() > MAX_TEXT_CHARS {
            return Err(Reply::bad_request("message is too long"));
        }
        let thread_id = self.send_thread(chat_id, p)?;
        let mut content = thread_content(thread_id);
        content.insert("text".into(), json!(text));
        if !entities.is_empty() {
            content.insert("entities".into(), Value::Array(entities));
        }
        let reply_to = self.add_reply_and_markup(chat_id, p, &mut content)?;
        let sent = SentMessage {
            message_id: 0,
            method: "sendMessage".into(),
            text: raw,
            plain_text: text,
            parse_mode,
            reply_markup: p.get("reply_markup").filter(|v| !v.is_null()).cloned(),
            reply_to,
            thread_id,
        };
        Ok(self.add_message(chat_id, bot_json(), content, Some(sent)))
    }

    /// `copyMessage`: the original's content, with a new caption if one is given; answers
    /// `{"message_id": N}`.
    fn copy_message(&mut self, p: &Map<String, Value>) -> Result<Value, Reply> {
        let chat_id = require_chat_id(p, "chat_id")?;
        let from_chat_id = require_chat_id(p, "from_chat_id")?;
        let message_id = p_i64(p, "message_id")
            .ok_or_else(|| Reply::bad_request("message identifier is not specified"))?;
        self.check_can_send(chat_id)?;
        let original = i32::try_from(message_id)
            .ok()
            .and_then(|id| self.stored(from_chat_id, id))
            .ok_or_else(|| Reply::bad_request("message to copy not found"))?;
        let mut content: Map<String, Value> = CONTENT_FIELDS
            .iter()
            .filter_map(|k| original.json.get(*k).map(|v| ((*k).to_owned(), v.clone())))
            .collect();
        if content.is_empty() {
            return Err(Reply::bad_request("message can't be copied"));
        }
        let thread_id = self.send_thread(chat_id, p)?;
        content.extend(thread_content(thread_id));
        let new_caption = p_str(p, "caption").filter(|_| !content.contains_key("text"));
        let parse_mode = new_caption.as_ref().and_then(|_| p_str(p, "parse_mode"));
        if let Some(raw) = &new_caption {
            let (caption, entities) = format_text(raw, parse_mode.as_deref())?;
            if caption.chars().count() > MAX_CAPTION_CHARS {
                return Err(Reply::bad_request("message caption is too long"));
            }
            content.remove("caption");
            content.remove("caption_entities");
            if !caption.is_empty() {
                content.insert("caption".into(), json!(caption));
            }
            if !entities.is_empty() {
                content.insert("caption_entities".into(), Value::Array(entities));
            }
        }
        let reply_to = self.add_reply_and_markup(chat_id, p, &mut content)?;
        let plain_text = content
            .get("text")
            .or_else(|| content.get("caption"))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let sent = SentMessage {
            message_id: 0,
            method: "copyMessage".into(),
            text: new_caption.unwrap_or_else(|| plain_text.clone()),
            plain_text,
            parse_mode,
            reply_markup: p.get("reply_markup").filter(|v| !v.is_null()).cloned(),
            reply_to,
            thread_id,
        };
        let msg = self.add_message(chat_id, bot_json(), content, Some(sent));
        Ok(json!({ "message_id": msg["message_id"] }))
    }

    /// The topic a message the bot sends goes into: `message_thread_id`, else the topic of
    /// the message it replies to (as Telegram infers it). A deleted or unknown topic answers
    /// `message thread not found`, a closed one `TOPIC_CLOSED` (see the module docs).
    fn send_thread(&self, chat_id: i64, p: &Map<String, Value>) -> Result<Option<i32>, Reply> {
        let asked = p_i64(p, "message_thread_id").and_then(|t| i32::try_from(t).ok());
        let replied = match p.get("reply_parameters") {
            Some(Value::Object(rp)) => p_i64(rp, "message_id")
                .and_then(|id| i32::try_from(id).ok())
                .and_then(|id| self.stored(chat_id, id))
                .filter(|m| m.json["is_topic_message"] == json!(true))
                .and_then(|m| m.json["message_thread_id"].as_i64())
                .and_then(|t| i32::try_from(t).ok()),
            _ => None,
        };
        let Some(thread_id) = asked.or(replied) else {
            return Ok(None);
        };
        let topic = self
            .chats
            .get(&chat_id)
            .filter(|c| c.forum)
            .and_then(|c| c.topics.get(&thread_id));
        match topic {
            None => Err(Reply::bad_request("message thread not found")),
            Some(t) if t.deleted => Err(Reply::bad_request("message thread not found")),
            Some(t) if t.closed => Err(Reply::bad_request("TOPIC_CLOSED")),
            Some(_) => Ok(Some(thread_id)),
        }
    }

    /// `getChat`: the chat with the fields teloxide's `ChatFullInfo` needs.
    fn get_chat(&mut self, p: &Map<String, Value>) -> Result<Value, Reply> {
        let chat_id = require_chat_id(p, "chat_id")?;
        if chat_id == 0 {
            return Err(Reply::bad_request("chat not found"));
        }
        let mut chat = self.chat_json(chat_id);
        chat["accent_color_id"] = json!(0);
        chat["max_reaction_count"] = json!(11);
        chat["accepted_gift_types"] = json!({
            "unlimited_gifts": false, "limited_gifts": false,
            "unique_gifts": false, "premium_subscription": false,
        });
        Ok(chat)
    }

    /// A forum chat for the forum-topic methods.
    fn forum_chat(&mut self, p: &Map<String, Value>) -> Result<i64, Reply> {
        let chat_id = require_chat_id(p, "chat_id")?;
        self.check_can_send(chat_id)?;
        if !self.ensure_chat(chat_id).forum {
            return Err(Reply::bad_request("the chat is not a forum"));
        }
        Ok(chat_id)
    }

    /// `createForumTopic`: a service message `forum_topic_created` opens the topic, and its
    /// id is the topic's `message_thread_id`.
    fn create_forum_topic(&mut self, p: &Map<String, Value>) -> Result<Value, Reply> {
        let chat_id = self.forum_chat(p)?;
        let name = p_str(p, "name").unwrap_or_default();
        if name.trim().is_empty() {
            return Err(Reply::bad_request("TOPIC_TITLE_EMPTY"));
        }
        if name.chars().count() > MAX_TOPIC_NAME_CHARS {
            return Err(Reply::bad_request("TOPIC_TITLE_TOO_LONG"));
        }
        let thread_id = self.ensure_chat(chat_id).next_message_id;
        let created = json!({ "name": name, "icon_color": TOPIC_ICON_COLOR });
        let mut content = thread_content(Some(thread_id));
        content.insert("forum_topic_created".into(), created);
        self.add_message(chat_id, bot_json(), content, None);
        let topic = TopicInfo {
            thread_id,
            name: name.clone(),
            closed: false,
            deleted: false,
        };
        self.ensure_chat(chat_id).topics.insert(thread_id, topic);
        Ok(json!({ "message_thread_id": thread_id, "name": name, "icon_color": TOPIC_ICON_COLOR }))
    }

    /// The live topic `message_thread_id` names, for the forum-topic methods.
    fn named_topic(&mut self, p: &Map<String, Value>) -> Result<(i64, i32), Reply> {
        let chat_id = self.forum_chat(p)?;
        let thread_id = p_i64(p, "message_thread_id")
            .and_then(|t| i32::try_from(t).ok())
            .filter(|t| self.live_topic(chat_id, *t).is_some())
            .ok_or_else(|| Reply::bad_request("TOPIC_ID_INVALID"))?;
        Ok((chat_id, thread_id))
    }

    /// `closeForumTopic` and `reopenForumTopic`: `TOPIC_NOT_MODIFIED` when it already is so;
    /// a service message `forum_topic_closed` or `forum_topic_reopened` in the topic.
    fn set_topic_closed(&mut self, p: &Map<String, Value>, closed: bool) -> Result<Value, Reply> {
        let (chat_id, thread_id) = self.named_topic(p)?;
        let topic = self
            .ensure_chat(chat_id)
            .topics
            .get_mut(&thread_id)
            .expect("a live topic");
        if topic.closed == closed {
            return Err(Reply::bad_request("TOPIC_NOT_MODIFIED"));
        }
        topic.closed = closed;
        let service = if closed {
            "forum_topic_closed"
        } else {
            "forum_topic_reopened"
        };
        let mut content = thread_content(Some(thread_id));
        content.insert(service.into(), json!({}));
        self.add_message(chat_id, bot_json(), content, None);
        Ok(json!(true))
    }

    fn delete_forum_topic(&mut self, p: &Map<String, Value>) -> Result<Value, Reply> {
        let (chat_id, thread_id) = self.named_topic(p)?;
        self.delete_topic(chat_id, thread_id);
        Ok(json!(true))
    }

    fn answer_callback_query(&mut self, p: &Map<String, Value>) -> Result<Value, Reply> {
        let id = p_str(p, "callback_query_id").unwrap_or_default();
        match self.callbacks.get_mut(&id) {
            Some(answered) if !*answered => {
                *answered = true;
                Ok(json!(true))
            }
            _ => Err(Reply::bad_request(
                "query is too old and response timeout expired or query id is invalid",
            )),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Text, entities and keyboards
// ---------------------------------------------------------------------------------------------

/// Turns a text with its `parse_mode` into what Telegram stores: the visible text, trimmed,
/// and its entities (UTF-16 offsets).
fn format_text(raw: &str, parse_mode: Option<&str>) -> Result<(String, Vec<Value>), Reply> {
    let (text, entities) = match parse_mode {
        None => (raw.to_owned(), Vec::new()),
        Some(mode) if mode.eq_ignore_ascii_case("html") => parse_html(raw)
            .map_err(|why| Reply::bad_request(&format!("can't parse entities: {why}")))?,
        Some(_) => return Err(Reply::bad_request("unsupported parse_mode")),
    };
    Ok(trim_text(&text, entities))
}

/// Trims leading and trailing whitespace as Telegram does, moving and clipping entities.
fn trim_text(text: &str, entities: Vec<Value>) -> (String, Vec<Value>) {
    let trimmed = text.trim();
    let lead = utf16_len(&text[..text.len() - text.trim_start().len()]);
    let total = utf16_len(trimmed);
    let entities = entities
        .into_iter()
        .filter_map(|mut e| {
            let offset = e["offset"].as_u64()? as usize;
            let length = e["length"].as_u64()? as usize;
            let start = offset.saturating_sub(lead).min(total);
            let end = (offset + length).saturating_sub(lead).min(total);
            (end > start).then(|| {
                e["offset"] = json!(start);
                e["length"] = json!(end - start);
                e
            })
        })
        .collect();
    (trimmed.to_owned(), entities)
}

/// Parses Telegram's HTML dialect into the visible text and its entities (offsets in UTF-16
/// code units). The error is what follows `Bad Request: can't parse entities: `.
///
/// Tags: `b strong i em u ins s strike del a(href) code(class="language-…") pre blockquote
/// (expandable) tg-spoiler span(class="tg-spoiler")`; entities `&lt; &gt; &amp; &quot;` and
/// `&#NN;`/`&#xNN;`. A bare `<` or `&`, unknown tags or attributes, unclosed and mis-nested
/// tags are errors.
fn parse_html(html: &str) -> Result<(String, Vec<Value>), String> {
    struct Open {
        tag: String,
        start: usize,
        url: Option<String>,
        language: Option<String>,
        expandable: bool,
        spoiler_class: bool,
    }
    let bytes = html.as_bytes();
    let n = bytes.len();
    let is_space = |b: u8| b.is_ascii_whitespace();
    let mut text = String::with_capacity(html.len());
    let mut pos = 0usize; // UTF-16 length of `text`
    let mut stack: Vec<Open> = Vec::new();
    let mut entities: Vec<Value> = Vec::new();
    let mut i = 0;
    while i < n {
        match bytes[i] {
            b'&' => {
                let (ch, len) = decode_html_entity(&html[i..]).ok_or_else(|| {
                    format!(
                        "Unsupported HTML entity at byte offset {i}: a bare \"&\" must be \
                         written as \"&amp;\""
                    )
                })?;
                text.push(ch);
                pos += ch.len_utf16();
                i += len;
            }
            b'<' if bytes.get(i + 1) == Some(&b'/') => {
                let begin = i;
                i += 2;
                let name_start = i;
                while i < n && !is_space(bytes[i]) && bytes[i] != b'>' {
                    i += 1;
                }
                let name = html[name_start..i].to_ascii_lowercase();
                while i < n && is_space(bytes[i]) {
                    i += 1;
                }
                if i >= n || bytes[i] != b'>' {
                    return Err(format!("Unclosed end tag at byte offset {begin}"));
                }
                i += 1;
                let Some(open) = stack.pop() else {
                    return Err(format!("Unexpected end tag at byte offset {begin}"));
                };
                if open.tag != name {
                    return Err(format!(
                        "Unmatched end tag at byte offset {begin}, expected \"</{}>\", found \
                         \"</{name}>\"",
                        open.tag
                    ));
                }
                let length = pos - open.start;
                let kind = match open.tag.as_str() {
                    "b" | "strong" => Some(json!({ "type": "bold" })),
                    "i" | "em" => Some(json!({ "type": "italic" })),
                    "u" | "ins" => Some(json!({ "type": "underline" })),
                    "s" | "strike" | "del" => Some(json!({ "type": "strikethrough" })),
                    "tg-spoiler" | "span" => Some(json!({ "type": "spoiler" })),
                    "a" => open
                        .url
                        .map(|url| json!({ "type": "text_link", "url": url })),
                    "blockquote" if open.expandable => {
                        Some(json!({ "type": "expandable_blockquote" }))
                    }
                    "blockquote" => Some(json!({ "type": "blockquote" })),
                    "pre" => Some(match open.language {
                        Some(language) => json!({ "type": "pre", "language": language }),
                        None => json!({ "type": "pre" }),
                    }),
                    "code" => {
                        // <pre><code class="language-x">…</code></pre> is one pre entity.
                        match (stack.last_mut(), open.language) {
                            (Some(parent), Some(language))
                                if parent.tag == "pre" && parent.start == open.start =>
                            {
                                parent.language = Some(language);
                                None
                            }
                            _ => Some(json!({ "type": "code" })),
                        }
                    }
                    _ => None,
                };
                if let Some(mut entity) = kind.filter(|_| length > 0) {
                    entity["offset"] = json!(open.start);
                    entity["length"] = json!(length);
                    entities.push(entity);
                }
            }
            b'<' => {
                let begin = i;
                i += 1;
                let name_start = i;
                while i < n && !is_space(bytes[i]) && bytes[i] != b'>' {
                    i += 1;
                }
                if i >= n {
                    return Err(format!("Unclosed start tag at byte offset {begin}"));
                }
                let tag = html[name_start..i].to_ascii_lowercase();
                if !HTML_TAGS.contains(&tag.as_str()) {
                    return Err(format!(
                        "Unsupported start tag \"{tag}\" at byte offset {begin}"
                    ));
                }
                let mut open = Open {
                    tag,
                    start: pos,
                    url: None,
                    language: None,
                    expandable: false,
                    spoiler_class: false,
                };
                loop {
                    while i < n && is_space(bytes[i]) {
                        i += 1;
                    }
                    if i >= n {
                        return Err(format!("Unclosed start tag at byte offset {begin}"));
                    }
                    if bytes[i] == b'>' {
                        i += 1;
                        break;
                    }
                    let attr_start = i;
                    while i < n
                        && (bytes[i].is_ascii_alphanumeric()
                            || bytes[i] == b'-'
                            || bytes[i] == b'_')
                    {
                        i += 1;
                    }
                    if i == attr_start {
                        return Err(format!(
                            "Empty attribute name in the tag \"{}\" at byte offset {begin}",
                            open.tag
                        ));
                    }
                    let attr = html[attr_start..i].to_ascii_lowercase();
                    while i < n && is_space(bytes[i]) {
                        i += 1;
                    }
                    let mut value = String::new();
                    if i < n && bytes[i] == b'=' {
                        i += 1;
                        while i < n && is_space(bytes[i]) {
                            i += 1;
                        }
                        if i >= n {
                            return Err(format!("Unclosed start tag at byte offset {begin}"));
                        }
                        let raw = if bytes[i] == b'"' || bytes[i] == b'\'' {
                            let quote = bytes[i];
                            i += 1;
                            let value_start = i;
                            while i < n && bytes[i] != quote {
                                i += 1;
                            }
                            if i >= n {
                                return Err(format!("Unclosed start tag at byte offset {begin}"));
                            }
                            i += 1;
                            &html[value_start..i - 1]
                        } else {
                            let value_start = i;
                            while i < n && !is_space(bytes[i]) && bytes[i] != b'>' {
                                i += 1;
                            }
                            &html[value_start..i]
                        };
                        value = decode_attribute(raw).ok_or_else(|| {
                            format!(
                                "Unsupported HTML entity in an attribute value of the tag \
                                 \"{}\" at byte offset {begin}",
                                open.tag
                            )
                        })?;
                    }
                    match (open.tag.as_str(), attr.as_str()) {
                        ("a", "href") => open.url = normalize_url(&value),
                        ("code", "class") => {
                            open.language = value.strip_prefix("language-").map(str::to_owned);
                        }
                        ("span", "class") => open.spoiler_class = value == "tg-spoiler",
                        ("blockquote", "expandable") => open.expandable = true,
                        (tag, _) => {
                            return Err(format!(
                                "Unsupported attribute \"{attr}\" in the tag \"{tag}\" at byte \
                                 offset {begin}"
                            ));
                        }
                    }
                }
                if open.tag == "span" && !open.spoiler_class {
                    return Err(format!(
                        "Tag \"span\" must have class \"tg-spoiler\" at byte offset {begin}"
                    ));
                }
                stack.push(open);
            }
            _ => {
                let ch = html[i..].chars().next().expect("in bounds");
                text.push(ch);
                pos += ch.len_utf16();
                i += ch.len_utf8();
            }
        }
    }
    if let Some(open) = stack.last() {
        return Err(format!(
            "Can't find end tag corresponding to start tag \"{}\"",
            open.tag
        ));
    }
    entities.sort_by_key(|e| {
        let offset = e["offset"].as_u64().unwrap_or(0);
        let length = e["length"].as_u64().unwrap_or(0);
        (offset, std::cmp::Reverse(length))
    });
    Ok((text, entities))
}

/// Decodes the HTML entity at the start of `s` (which starts with `&`): the character and
/// how many bytes it took.
fn decode_html_entity(s: &str) -> Option<(char, usize)> {
    let semicolon = s.get(1..)?.find(';')? + 1;
    if semicolon > 12 {
        return None;
    }
    let name = &s[1..semicolon];
    let ch = match name {
        "lt" => '<',
        "gt" => '>',
        "amp" => '&',
        "quot" => '"',
        _ => {
            let number = name.strip_prefix('#')?;
            let code = match number.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => number.parse::<u32>().ok()?,
            };
            char::from_u32(code).filter(|c| *c != '\0')?
        }
    };
    Some((ch, semicolon + 1))
}

fn decode_attribute(raw: &str) -> Option<String> {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let (ch, len) = decode_html_entity(&rest[at..])?;
        out.push(ch);
        rest = &rest[at + len..];
    }
    out.push_str(rest);
    Some(out)
}

/// What Telegram keeps of an `<a href>`: scheme-less links get `http://`, unusable ones drop
/// the entity.
fn normalize_url(href: &str) -> Option<String> {
    let href = href.trim();
    if href.is_empty() || href.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return None;
    }
    if href.contains("://") || href.starts_with("tg:") || href.starts_with("mailto:") {
        Some(href.to_owned())
    } else {
        Some(format!("http://{href}"))
    }
}

/// Checks `reply_markup` like Telegram; returns the inline keyboard to echo in the Message.
fn validate_reply_markup(markup: Option<&Value>) -> Result<Option<Value>, Reply> {
    let Some(markup) = markup.filter(|m| !m.is_null()) else {
        return Ok(None);
    };
    let not_markup = || Reply::bad_request("can't parse reply keyboard markup JSON object");
    let obj = markup.as_object().ok_or_else(not_markup)?;
    let Some(keyboard) = obj.get("inline_keyboard") else {
        let known = ["keyboard", "remove_keyboard", "force_reply"];
        return if known.iter().any(|k| obj.contains_key(*k)) {
            Ok(None)
        } else {
            Err(not_markup())
        };
    };
    let not_rows = || {
        Reply::bad_request(
            "field \"inline_keyboard\" of the InlineKeyboardMarkup should be an Array of Arrays",
        )
    };
    let rows = keyboard.as_array().ok_or_else(not_rows)?;
    let mut count = 0;
    for row in rows {
        for button in row.as_array().ok_or_else(not_rows)? {
            count += 1;
            let button = button.as_object().ok_or_else(|| {
                Reply::bad_request(
                    "can't parse inline keyboard button: InlineKeyboardButton must be an Object",
                )
            })?;
            if !button.get("text").is_some_and(Value::is_string) {
                return Err(Reply::bad_request(
                    "can't parse inline keyboard button: Field \"text\" must be of type String",
                ));
            }
            if !BUTTON_ACTIONS.iter().any(|k| button.contains_key(*k)) {
                return Err(Reply::bad_request(
                    "can't parse inline keyboard button: Text buttons are unallowed in the \
                     inline keyboard",
                ));
            }
            if let Some(data) = button.get("callback_data") {
                let len = data.as_str().map_or(0, str::len);
                if !(1..=MAX_CALLBACK_DATA_BYTES).contains(&len) {
                    return Err(Reply::bad_request("BUTTON_DATA_INVALID"));
                }
            }
            if let Some(url) = button.get("url") {
                if url.as_str().is_none_or(|u| u.trim().is_empty()) {
                    return Err(Reply::bad_request("BUTTON_URL_INVALID"));
                }
            }
        }
    }
    if count > MAX_INLINE_BUTTONS {
        return Err(Reply::bad_request("reply markup is too long"));
    }
    Ok(Some(json!({ "inline_keyboard": keyboard })))
}

// ---------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------

/// The fields of a message in a forum topic (none outside one).
fn thread_content(thread_id: Option<i32>) -> Map<String, Value> {
    let mut content = Map::new();
    if let Some(thread_id) = thread_id {
        content.insert("message_thread_id".into(), json!(thread_id));
        content.insert("is_topic_message".into(), json!(true));
    }
    content
}

/// A user's text message as Telegram delivers it (without entities; see the module docs).
fn text_content(text: &str) -> Map<String, Value> {
    let mut content = Map::new();
    content.insert("text".into(), json!(text));
    content
}

fn now_unix() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// A short description of a successful result for [`State::dump`].
fn describe_result(result: &Value) -> String {
    match result {
        Value::Array(items) if items.iter().all(|u| u.get("update_id").is_some()) => {
            let ids: Vec<String> = items.iter().map(|u| u["update_id"].to_string()).collect();
            format!("ok, update_id [{}]", ids.join(", "))
        }
        Value::Object(obj) if obj.contains_key("message_id") => {
            format!("ok, message_id {}", obj["message_id"])
        }
        _ => "ok".to_owned(),
    }
}

fn lower_camel(method: &str) -> String {
    let mut chars = method.chars();
    match chars.next() {
        Some(first) => first.to_ascii_lowercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

fn utf16_len(s: &str) -> usize {
    s.encode_utf16().count()
}

fn shorten(s: &str, max_chars: usize) -> String {
    if s.chars().count() <= max_chars {
        s.to_owned()
    } else {
        let head: String = s.chars().take(max_chars).collect();
        format!("{head}…")
    }
}

fn message_id_of(msg: &Value) -> i32 {
    msg["message_id"]
        .as_i64()
        .and_then(|id| i32::try_from(id).ok())
        .unwrap_or_default()
}

/// A message as embedded in `reply_to_message`: without its own `reply_to_message`.
fn strip_reply(msg: &Value) -> Value {
    let mut msg = msg.clone();
    if let Some(obj) = msg.as_object_mut() {
        obj.remove("reply_to_message");
    }
    msg
}

fn p_i64(p: &Map<String, Value>, key: &str) -> Option<i64> {
    p.get(key)?.as_i64()
}

fn p_str(p: &Map<String, Value>, key: &str) -> Option<String> {
    p.get(key)?.as_str().map(str::to_owned)
}

fn p_bool(p: &Map<String, Value>, key: &str) -> bool {
    p.get(key).and_then(Value::as_bool).unwrap_or(false)
}

/// A chat id parameter: missing → `chat_id is empty`, `@username` or junk → `chat not found`.
fn require_chat_id(p: &Map<String, Value>, key: &str) -> Result<i64, Reply> {
    match p.get(key) {
        None | Some(Value::Null) => Err(Reply::bad_request(&format!("{key} is empty"))),
        Some(_) => p_i64(p, key).ok_or_else(|| Reply::bad_request("chat not found")),
    }
}
