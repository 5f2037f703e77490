//! A fake Telegram Bot API server for end-to-end tests.
//!
//! [`FakeTelegram::start`] binds `127.0.0.1:0` and serves `/bot<TOKEN>/<method>` the way
//! `api.telegram.org` does, so a real teloxide client can be pointed at it with
//! `Bot::new(token).set_api_url(fake.api_url().parse()?)`. Requests may be JSON bodies (what
//! teloxide sends), `application/x-www-form-urlencoded`, `multipart/form-data` or query
//! parameters; any token is accepted and recorded on every [`Call`].
//!
//! What it does:
//! - **Updates.** Tests script users with the `push_*` helpers (private and group texts,
//!   callback queries, media, edits, group→supergroup migration, raw updates). `getUpdates`
//!   follows Telegram: updates with `update_id < offset` are confirmed and dropped for good, a
//!   negative offset keeps only the last `-offset` updates, unconfirmed updates are delivered
//!   again on the next call (also to a new bot process after a restart), `timeout` long-polls
//!   until an update is queued or the timeout elapses, `limit` caps the batch, a second
//!   concurrent `getUpdates` for the same token ends the first with 409 Conflict, a long
//!   poll whose client disconnects (a killed bot) ends without taking anything, and
//!   `allowed_updates` is remembered and applied to updates *pushed afterwards* (as Telegram
//!   documents; such updates are kept in [`FakeTelegram::dropped_updates`]).
//! - **Bot methods.** `getMe`, `getUpdates`, `getWebhookInfo`, `setWebhook`, `deleteWebhook`,
//!   `setMyCommands`, `getMyCommands`, `deleteMyCommands`, `sendMessage`, `copyMessage`,
//!   `forwardMessage`, `editMessageText`, `editMessageReplyMarkup`, `answerCallbackQuery`,
//!   `sendChatAction`, `deleteMessage`, `getChat`, `leaveChat`, `logOut` and `close`. Every
//!   other method answers `{"ok":true,"result":true}` and is recorded too.
//! - **Realistic messages.** Sent messages come back as full `Message` objects: per-chat
//!   incrementing `message_id`, `date`, a `chat` of the right type (private for positive ids,
//!   group for negative ids, supergroup for ids below -10^12), `from` = the bot, the parsed
//!   text and entities, the inline keyboard echoed, and `reply_to_message` carrying the whole
//!   original message.
//! - **Validation like Telegram.** Text is limited to 4096 characters after entity parsing
//!   and trimming, HTML is parsed with Telegram's tag set and its error messages
//!   (`Bad Request: can't parse entities: ...`), empty texts, callback data outside 1–64
//!   bytes, text-only inline buttons, more than 100 inline buttons, unknown reply targets,
//!   edits that change nothing, unknown callback queries, chats upgraded to supergroups and so
//!   on are refused with the descriptions Telegram uses, which teloxide maps to its `ApiError`
//!   variants.
//! - **Recording and waiting.** Every request becomes a [`Call`]; [`FakeTelegram::sent_to`]
//!   lists the messages the bot actually got accepted in a chat, and the `wait_for*` methods
//!   await a condition with a timeout, failing with a readable dump of the calls so far.
//! - **Fault injection.** [`FakeTelegram::fail_next`] answers the next calls of a method with
//!   a [`Fault`] (429 with `retry_after`, 500, 502, 403, a custom error, or a delay), and
//!   [`FakeTelegram::block_user`] makes every send to a chat answer 403.
//!
//! Deliberate differences from Telegram: in HTML a bare `&` that does not start `&lt;`,
//! `&gt;`, `&amp;`, `&quot;` or a numeric entity is an error (Telegram keeps it as text), and
//! so are unknown attributes (Telegram ignores them); `MarkdownV2` and `Markdown` texts are
//! accepted as they are, without parsing; sending to a chat nobody has written from is allowed
//! unless [`FakeTelegram::set_strict_chats`] is on; group privacy mode is off unless
//! [`FakeTelegram::set_privacy_mode`] turns it on. Method names are matched
//! case-insensitively and recorded in lower camel case (`"sendMessage"`, although teloxide
//! sends `"SendMessage"`).
//!
//! ```ignore
//! let fake = FakeTelegram::start().await;
//! let bot = teloxide::Bot::new("123456:TESTTOKEN").set_api_url(fake.api_url().parse()?);
//! // ... start the bot's dispatcher with `bot` ...
//! fake.wait_for_polling(Duration::from_secs(10)).await?;
//! fake.push_private_text(42, "Alice", "What is CKD?");
//! let sent = fake.wait_for_sent(42, 1, Duration::from_secs(10)).await?;
//! assert!(sent[0].plain_text.contains("kidney"));
//! ```
//!
//! State lives in an `Arc<std::sync::Mutex<..>>` that is never held across an `.await`, so
//! one `FakeTelegram` (it is `Clone`) outlives any number of bot processes; the server stops
//! when the last clone is dropped. Needs only tokio, axum 0.8 (features `tokio`, `http1`),
//! serde_json and std.
#![allow(dead_code)]

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State as AxumState};
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use serde_json::{json, Map, Value};
use tokio::sync::Notify;
use tokio::time::Instant;

/// `first_name` of the bot user returned by `getMe` and used as `from` of sent messages.
pub const BOT_FIRST_NAME: &str = "faqbot";
/// `username` of the bot user.
pub const BOT_USERNAME: &str = "faqbot_test_bot";
/// Bot user id used when the token does not start with a numeric id (`"<id>:<secret>"`).
pub const DEFAULT_BOT_ID: i64 = 4_242_424_242;
/// Longest message text Telegram accepts, in characters after entity parsing.
pub const MAX_TEXT_CHARS: usize = 4096;
/// Longest media caption Telegram accepts, in characters after entity parsing.
pub const MAX_CAPTION_CHARS: usize = 1024;
/// Longest `callback_data` of an inline button, in bytes.
pub const MAX_CALLBACK_DATA_BYTES: usize = 64;
/// Most buttons an inline keyboard may have.
pub const MAX_INLINE_BUTTONS: usize = 100;
/// Chat ids below this are supergroups; other negative ids are basic groups.
pub const SUPERGROUP_ID_BELOW: i64 = -1_000_000_000_000;

/// Longest `getUpdates` long poll the fake honours, in seconds.
const MAX_LONG_POLL_SECS: i64 = 50;
/// Request bodies up to this size are accepted (uploads included).
const MAX_BODY_BYTES: usize = 64 * 1024 * 1024;
/// Parameters that arrive JSON-encoded inside form or multipart fields.
const JSON_FIELDS: &[&str] = &[
    "reply_markup",
    "reply_parameters",
    "entities",
    "caption_entities",
    "commands",
    "scope",
    "link_preview_options",
    "allowed_updates",
    "media",
    "results",
];
/// Update kinds Telegram leaves out unless `allowed_updates` names them.
const OPT_IN_UPDATES: &[&str] = &["chat_member", "message_reaction", "message_reaction_count"];
/// Message fields that carry content (what `copyMessage` and `forwardMessage` copy).
const CONTENT_FIELDS: &[&str] = &[
    "text",
    "entities",
    "link_preview_options",
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
    "dice",
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
const CHAT_ACTIONS: &[&str] = &[
    "typing",
    "upload_photo",
    "record_video",
    "upload_video",
    "record_voice",
    "upload_voice",
    "upload_document",
    "choose_sticker",
    "find_location",
    "record_video_note",
    "upload_video_note",
];
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
const NOT_MODIFIED: &str = "message is not modified: specified new message content and reply \
                            markup are exactly the same as a current content and reply markup \
                            of the message";

// ---------------------------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------------------------

/// A failure [`FakeTelegram::fail_next`] injects instead of the normal answer.
#[derive(Clone, Debug, PartialEq, Eq)]
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
    /// 502 with nginx's HTML page instead of JSON (teloxide: `RequestError::InvalidJson`, after
    /// its 10 s 5xx delay).
    BadGateway,
    /// 403 `Forbidden: bot was blocked by the user` (teloxide: `ApiError::BotBlocked`).
    Forbidden,
    /// Carries the call out, then answers 200 with a page that is not JSON, as a proxy that
    /// mangled the answer would (teloxide: `RequestError::InvalidJson`): the message went
    /// out, but the client cannot know.
    Unreadable,
    /// Waits this long, then answers normally (the call is carried out even if the client
    /// gives up waiting).
    Slow(Duration),
    /// Any other error answer: `{"ok":false,"error_code":status,"description":description}`.
    Api {
        /// HTTP status and `error_code`.
        status: u16,
        /// The `description`, e.g. `"Bad Request: chat not found"`.
        description: String,
    },
}

/// One request the fake answered, in arrival order of the answers.
#[derive(Clone, Debug, PartialEq)]
pub struct Call {
    /// Position in [`FakeTelegram::calls`] since the last [`FakeTelegram::clear_calls`]; 1-based.
    pub seq: usize,
    /// Method name with a lower-case first letter, e.g. `"sendMessage"` (teloxide sends
    /// `"SendMessage"`; Telegram treats method names case-insensitively).
    pub method: String,
    /// The token from the URL path (`/bot<TOKEN>/<method>`).
    pub token: String,
    /// All parameters as a JSON object (form and query values stay strings, except the
    /// JSON-encoded fields such as `reply_markup`, which are decoded).
    pub params: Value,
    /// Whether the answer had `"ok": true`.
    pub response_ok: bool,
    /// HTTP status of the answer.
    pub status: u16,
    /// The whole answer body (a JSON string for the non-JSON 502 page).
    pub response: Value,
}

impl Call {
    /// A parameter as an integer, whether it came as a JSON number or a string.
    pub fn param_i64(&self, key: &str) -> Option<i64> {
        self.params.as_object().and_then(|p| p_i64(p, key))
    }

    /// A parameter as a string (numbers are formatted).
    pub fn param_str(&self, key: &str) -> Option<String> {
        self.params.as_object().and_then(|p| p_str(p, key))
    }

    /// The error `description` when the call failed.
    pub fn error_description(&self) -> Option<&str> {
        if self.response_ok {
            return None;
        }
        self.response.get("description").and_then(Value::as_str)
    }
}

/// A message the bot got accepted in a chat (`sendMessage`, `copyMessage`, `forwardMessage`),
/// as it stands now: edits update it, deletion flags it.
#[derive(Clone, Debug, PartialEq)]
pub struct SentMessage {
    /// The chat it is in.
    pub chat_id: i64,
    /// Its id in that chat.
    pub message_id: i32,
    /// The method that created it.
    pub method: String,
    /// Text (or caption) as the bot sent it: the HTML source when `parse_mode` is HTML; for
    /// copies and forwards, the original's text.
    pub text: String,
    /// What the user sees: the text after entity parsing and trimming.
    pub plain_text: String,
    /// `parse_mode` of the last send or edit.
    pub parse_mode: Option<String>,
    /// `reply_markup` as the bot sent it (any keyboard kind), if any.
    pub reply_markup: Option<Value>,
    /// `message_id` of the message it replies to.
    pub reply_to: Option<i32>,
    /// How many successful edits (`editMessageText`, `editMessageReplyMarkup`) it had.
    pub edit_count: u32,
    /// Whether `deleteMessage` removed it.
    pub deleted: bool,
}

/// The fake server. Clones share one server and one state.
#[derive(Clone)]
pub struct FakeTelegram {
    shared: Arc<Shared>,
    addr: SocketAddr,
    _server: Arc<ServerTask>,
}

/// The bot user id a token stands for: the number before `:`, or [`DEFAULT_BOT_ID`].
pub fn bot_id_for_token(token: &str) -> i64 {
    token
        .split(':')
        .next()
        .and_then(|id| id.parse::<i64>().ok())
        .filter(|id| *id > 0)
        .unwrap_or(DEFAULT_BOT_ID)
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
            state: Mutex::new(State::new()),
            changed: Notify::new(),
        });
        let app = Router::new()
            .fallback(handle_request)
            .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
            .with_state(Arc::clone(&shared));
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        FakeTelegram {
            shared,
            addr,
            _server: Arc::new(ServerTask(task)),
        }
    }

    /// The base URL to give teloxide: `"http://127.0.0.1:PORT/"`.
    pub fn api_url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    // --- scripting users ----------------------------------------------------------------

    /// Makes a user known (as if they had pressed Start), so their private chat exists even
    /// with [`FakeTelegram::set_strict_chats`] on.
    pub fn register_user(&self, user_id: i64, first_name: &str) {
        self.lock().register_user(user_id, first_name);
    }

    /// Queues a `message` update: `user_id` writes `text` to the bot in private. Texts starting
    /// commands get `bot_command` entities as Telegram adds them. Returns the `message_id`.
    pub fn push_private_text(&self, user_id: i64, first_name: &str, text: &str) -> i32 {
        self.with_push(|st| {
            st.register_user(user_id, first_name);
            let content = text_content(text);
            let msg = st.add_user_message(user_id, user_id, content);
            st.enqueue(json!({ "message": msg.clone() }));
            message_id_of(&msg)
        })
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
            st.register_user(user_id, first_name);
            let mut content = text_content(text);
            content.insert("date".into(), json!(now_unix() - ago.as_secs() as i64));
            let msg = st.add_user_message(user_id, user_id, content);
            st.enqueue(json!({ "message": msg.clone() }));
            message_id_of(&msg)
        })
    }

    /// Queues a `message` update: `user_id` writes `text` in the group `chat_id` (negative;
    /// below -10^12 it is a supergroup), optionally replying to message `reply_to` of that
    /// chat, whose whole message is embedded as `reply_to_message` (with `from` = the bot if
    /// the bot sent it). With privacy mode on, only commands, mentions of the bot and replies
    /// to the bot are delivered. Returns the `message_id`.
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
            st.register_user(user_id, first_name);
            st.ensure_chat(chat_id);
            let mut content = text_content(text);
            let mut replies_to_bot = false;
            if let Some(target) = reply_to {
                let original = st
                    .stored(chat_id, target)
                    .unwrap_or_else(|| {
                        panic!("push_group_text: chat {chat_id} has no message {target}")
                    })
                    .clone();
                replies_to_bot = original.sent.is_some();
                content.insert("reply_to_message".into(), strip_reply(&original.json));
            }
            let msg = st.add_user_message(chat_id, user_id, content);
            let update = json!({ "message": msg.clone() });
            let mention = format!("@{BOT_USERNAME}");
            if st.privacy_mode
                && !text.starts_with('/')
                && !text.contains(&mention)
                && !replies_to_bot
            {
                st.drop_update(update);
            } else {
                st.enqueue(update);
            }
            message_id_of(&msg)
        })
    }

    /// Queues a `callback_query` update: `user_id` presses a button with `data` on message
    /// `message_id` of their private chat (the bot's message as recorded, or an inaccessible
    /// message with `date` 0 if it was deleted). Returns the callback query id.
    ///
    /// # Panics
    /// If that chat has no such message.
    pub fn push_callback(&self, user_id: i64, message_id: i32, data: &str) -> String {
        let first_name = self.lock().user_name(user_id);
        self.push_group_callback(user_id, user_id, &first_name, message_id, data)
    }

    /// Like [`FakeTelegram::push_callback`] for a button on message `message_id` of any chat
    /// (e.g. a group), pressed by `user_id`.
    ///
    /// # Panics
    /// If that chat has no such message.
    pub fn push_group_callback(
        &self,
        chat_id: i64,
        user_id: i64,
        first_name: &str,
        message_id: i32,
        data: &str,
    ) -> String {
        self.with_push(|st| {
            st.register_user(user_id, first_name);
            let stored = st
                .stored(chat_id, message_id)
                .unwrap_or_else(|| {
                    panic!("push_callback: chat {chat_id} has no message {message_id}")
                })
                .clone();
            let message = if stored.deleted {
                json!({ "message_id": message_id, "chat": stored.json["chat"].clone(), "date": 0 })
            } else {
                stored.json
            };
            st.next_callback_id += 1;
            let id = format!("{}", 7_000_000_000_000_000_000_u64 + st.next_callback_id);
            st.callbacks.insert(id.clone(), false);
            let query = json!({
                "id": id,
                "from": st.user_json(user_id),
                "message": message,
                "chat_instance": format!("{}", chat_id.wrapping_mul(7919).wrapping_abs()),
                "data": data,
            });
            st.enqueue(json!({ "callback_query": query }));
            id
        })
    }

    /// Queues a private photo message with an optional caption. Returns the `message_id`.
    pub fn push_photo(&self, user_id: i64, caption: Option<&str>) -> i32 {
        self.with_push(|st| {
            let small = st.file_meta(1_200);
            let large = st.file_meta(48_000);
            let mut content = Map::new();
            content.insert(
                "photo".into(),
                json!([
                    with_fields(small, json!({ "width": 90, "height": 60 })),
                    with_fields(large, json!({ "width": 1280, "height": 853 })),
                ]),
            );
            insert_caption(&mut content, caption);
            st.push_private_content(user_id, content)
        })
    }

    /// Queues a private document message (`mime_type` guessed from `file_name`). Returns the
    /// `message_id`.
    pub fn push_document(&self, user_id: i64, file_name: &str, caption: Option<&str>) -> i32 {
        self.with_push(|st| {
            let mime = mime_for(file_name);
            let document = with_fields(
                st.file_meta(20_480),
                json!({ "file_name": file_name, "mime_type": mime }),
            );
            let mut content = Map::new();
            content.insert("document".into(), document);
            insert_caption(&mut content, caption);
            st.push_private_content(user_id, content)
        })
    }

    /// Queues a private sticker message. Returns the `message_id`.
    pub fn push_sticker(&self, user_id: i64, emoji: &str) -> i32 {
        self.with_push(|st| {
            let sticker = with_fields(
                st.file_meta(14_000),
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

    /// Queues a private voice message of `duration_secs`. Returns the `message_id`.
    pub fn push_voice(&self, user_id: i64, duration_secs: u32) -> i32 {
        self.with_push(|st| {
            let voice = with_fields(
                st.file_meta(8_000 + 2_000 * duration_secs),
                json!({ "duration": duration_secs, "mime_type": "audio/ogg" }),
            );
            let mut content = Map::new();
            content.insert("voice".into(), voice);
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
            let now = now_unix();
            let chat = st.chats.get_mut(&chat_id);
            let stored = chat
                .and_then(|c| c.messages.get_mut(&message_id))
                .unwrap_or_else(|| {
                    panic!("push_edited_text: chat {chat_id} has no message {message_id}")
                });
            assert!(
                stored.sent.is_none(),
                "push_edited_text: message {message_id} in chat {chat_id} was sent by the bot"
            );
            let obj = stored
                .json
                .as_object_mut()
                .expect("stored message is an object");
            obj.remove("entities");
            for (key, value) in text_content(new_text) {
                obj.insert(key, value);
            }
            obj.insert("edit_date".into(), json!(now));
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
            let new_chat = st.ensure_chat(new_chat_id);
            new_chat.kind = ChatKind::Supergroup { title };
            let anonymous = json!({
                "id": 1_087_968_824_i64, "is_bot": true,
                "first_name": "Group", "username": "GroupAnonymousBot",
            });
            let mut to = Map::new();
            to.insert("migrate_to_chat_id".into(), json!(new_chat_id));
            let old_msg = st.add_message(old_chat_id, anonymous.clone(), to, None);
            let mut from = Map::new();
            from.insert("migrate_from_chat_id".into(), json!(old_chat_id));
            let sender_chat = st.chat_json(new_chat_id);
            from.insert("sender_chat".into(), sender_chat);
            let new_msg = st.add_message(new_chat_id, anonymous, from, None);
            st.ensure_chat(old_chat_id).migrated_to = Some(new_chat_id);
            st.enqueue(json!({ "message": old_msg }));
            st.enqueue(json!({ "message": new_msg }));
        })
    }

    /// Queues any update as given; its `update_id` is set to the next id, which is returned.
    pub fn push_raw_update(&self, update: Value) -> i64 {
        self.with_push(|st| st.enqueue(update))
    }

    // --- updates ------------------------------------------------------------------------

    /// Ids of queued updates that no `getUpdates` offset has confirmed yet.
    pub fn unconfirmed_update_ids(&self) -> Vec<i64> {
        self.lock().queue.iter().map(|(id, _)| *id).collect()
    }

    /// Updates that were never queued: their kind was outside the last `allowed_updates`, or
    /// privacy mode hid a group message.
    pub fn dropped_updates(&self) -> Vec<Value> {
        self.lock().dropped_updates.clone()
    }

    // --- recording ----------------------------------------------------------------------

    /// Every call so far.
    pub fn calls(&self) -> Vec<Call> {
        self.lock().calls.clone()
    }

    /// The calls of one method (case-insensitive, e.g. `"sendMessage"`).
    pub fn calls_to(&self, method: &str) -> Vec<Call> {
        let st = self.lock();
        st.calls
            .iter()
            .filter(|c| c.method.eq_ignore_ascii_case(method))
            .cloned()
            .collect()
    }

    /// Forgets the recorded calls (state such as messages and updates is kept).
    pub fn clear_calls(&self) {
        self.lock().calls.clear();
    }

    /// Messages the bot got accepted in `chat_id`, in `message_id` order, as they stand now.
    pub fn sent_to(&self, chat_id: i64) -> Vec<SentMessage> {
        self.lock().sent_to(chat_id)
    }

    /// A stored message (the bot's or a user's) as the full `Message` JSON Telegram would show.
    pub fn message(&self, chat_id: i64, message_id: i32) -> Option<Value> {
        self.lock()
            .stored(chat_id, message_id)
            .map(|m| m.json.clone())
    }

    /// The commands last set with `setMyCommands` for the default scope and no language, as
    /// `(command, description)` pairs.
    pub fn my_commands(&self) -> Vec<(String, String)> {
        let st = self.lock();
        let key = commands_key(&Map::new());
        let commands = st.commands.get(&key).cloned().unwrap_or(json!([]));
        commands
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| {
                let field = |k: &str| c[k].as_str().unwrap_or_default().to_owned();
                (field("command"), field("description"))
            })
            .collect()
    }

    /// A readable listing of the calls so far and of the update queue.
    pub fn dump(&self) -> String {
        self.lock().dump()
    }

    // --- waiting ------------------------------------------------------------------------

    /// Waits until `predicate` holds for the calls recorded so far, re-checking after every
    /// change; returns those calls, or on timeout an error with a dump of the calls.
    pub async fn wait_for<F>(
        &self,
        mut predicate: F,
        timeout: Duration,
    ) -> Result<Vec<Call>, String>
    where
        F: FnMut(&[Call]) -> bool,
    {
        self.wait_until(timeout, "the predicate on the calls", |st| {
            predicate(&st.calls).then(|| st.calls.clone())
        })
        .await
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
            let calls: Vec<Call> = st
                .calls
                .iter()
                .filter(|c| c.method.eq_ignore_ascii_case(method))
                .cloned()
                .collect();
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

    /// Whether a `getUpdates` call is waiting for updates right now.
    pub fn is_polling(&self) -> bool {
        self.lock().active_polls > 0
    }

    /// Waits until a `getUpdates` call is waiting for updates, i.e. a bot is up and polling.
    pub async fn wait_for_polling(&self, timeout: Duration) -> Result<(), String> {
        self.wait_until(timeout, "a getUpdates long poll", |st| {
            (st.active_polls > 0).then_some(())
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

    // --- faults and settings ------------------------------------------------------------

    /// Answers the next `n` calls of `method` (case-insensitive; `"*"` for any method) with
    /// `fault` instead of carrying them out (except [`Fault::Slow`], which only delays).
    /// Repeated calls queue up in order.
    pub fn fail_next(&self, method: &str, n: usize, fault: Fault) {
        let mut st = self.lock();
        let queue = st.faults.entry(method.to_ascii_lowercase()).or_default();
        queue.extend(std::iter::repeat_n(fault, n));
    }

    /// Every send, copy, forward, edit or chat action to `chat_id` answers 403 `Forbidden: bot
    /// was blocked by the user` until [`FakeTelegram::unblock_user`].
    pub fn block_user(&self, chat_id: i64) {
        self.lock().blocked.insert(chat_id);
    }

    /// Undoes [`FakeTelegram::block_user`].
    pub fn unblock_user(&self, chat_id: i64) {
        self.lock().blocked.remove(&chat_id);
    }

    /// With privacy mode on (Telegram's default for new bots, off here), group messages reach
    /// the bot only when they are commands, mention it or reply to it, and `getMe` reports
    /// `can_read_all_group_messages: false`.
    pub fn set_privacy_mode(&self, on: bool) {
        self.lock().privacy_mode = on;
    }

    /// With strict chats on, sending to a private chat of a user who never wrote (see
    /// [`FakeTelegram::register_user`]) answers 403 `Forbidden: bot can't initiate conversation
    /// with a user`, and to an unknown group 400 `Bad Request: chat not found`.
    pub fn set_strict_chats(&self, on: bool) {
        self.lock().strict_chats = on;
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

/// Aborts the server task when the last [`FakeTelegram`] clone is dropped.
struct ServerTask(tokio::task::JoinHandle<()>);

impl Drop for ServerTask {
    fn drop(&mut self) {
        self.0.abort();
    }
}

// ---------------------------------------------------------------------------------------------
// State
// ---------------------------------------------------------------------------------------------

struct Shared {
    state: Mutex<State>,
    /// Woken on every change: a recorded call, a pushed update, a new long poll.
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

struct State {
    calls: Vec<Call>,
    /// Unconfirmed updates, oldest first.
    queue: VecDeque<(i64, Value)>,
    next_update_id: i64,
    dropped_updates: Vec<Value>,
    /// The last `allowed_updates` a `getUpdates` sent; `None` or empty means the default set.
    allowed_updates: Option<Vec<String>>,
    /// Per token, bumped by every `getUpdates`, so an older long poll knows it was superseded.
    poll_generation: HashMap<String, u64>,
    /// `getUpdates` calls waiting for updates right now.
    active_polls: usize,
    chats: HashMap<i64, ChatState>,
    users: HashMap<i64, String>,
    faults: HashMap<String, VecDeque<Fault>>,
    blocked: HashSet<i64>,
    /// Callback query id → answered.
    callbacks: HashMap<String, bool>,
    next_callback_id: u64,
    /// `commands_key(scope, language)` → commands.
    commands: HashMap<String, Value>,
    webhook_url: Option<String>,
    strict_chats: bool,
    privacy_mode: bool,
    next_file_id: u64,
}

struct ChatState {
    kind: ChatKind,
    next_message_id: i32,
    messages: BTreeMap<i32, StoredMessage>,
    migrated_to: Option<i64>,
    bot_left: bool,
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

#[derive(Clone)]
struct StoredMessage {
    json: Value,
    deleted: bool,
    /// Set for the bot's own messages.
    sent: Option<SentMessage>,
}

impl State {
    fn new() -> State {
        State {
            calls: Vec::new(),
            queue: VecDeque::new(),
            next_update_id: 1,
            dropped_updates: Vec::new(),
            allowed_updates: None,
            poll_generation: HashMap::new(),
            active_polls: 0,
            chats: HashMap::new(),
            users: HashMap::new(),
            faults: HashMap::new(),
            blocked: HashSet::new(),
            callbacks: HashMap::new(),
            next_callback_id: 0,
            commands: HashMap::new(),
            webhook_url: None,
            strict_chats: false,
            privacy_mode: false,
            next_file_id: 0,
        }
    }

    // --- users, chats, messages ---------------------------------------------------------

    fn register_user(&mut self, user_id: i64, first_name: &str) {
        self.users.insert(user_id, first_name.to_owned());
        if user_id > 0 {
            let chat = self.ensure_chat(user_id);
            chat.kind = ChatKind::Private {
                first_name: first_name.to_owned(),
            };
        }
    }

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
        let name = self.user_name(chat_id);
        self.chats.entry(chat_id).or_insert_with(|| ChatState {
            kind: if chat_id > 0 {
                ChatKind::Private { first_name: name }
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
            bot_left: false,
        })
    }

    fn chat_json(&mut self, chat_id: i64) -> Value {
        match &self.ensure_chat(chat_id).kind {
            ChatKind::Private { first_name } => {
                json!({ "id": chat_id, "type": "private", "first_name": first_name })
            }
            ChatKind::Group { title } => json!({ "id": chat_id, "type": "group", "title": title }),
            ChatKind::Supergroup { title } => {
                json!({ "id": chat_id, "type": "supergroup", "title": title })
            }
        }
    }

    fn stored(&self, chat_id: i64, message_id: i32) -> Option<&StoredMessage> {
        self.chats.get(&chat_id)?.messages.get(&message_id)
    }

    /// Stores a new message in `chat_id` and returns its JSON.
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
        let sent = sent.map(|s| SentMessage {
            chat_id,
            message_id,
            ..s
        });
        state.messages.insert(
            message_id,
            StoredMessage {
                json: json.clone(),
                deleted: false,
                sent,
            },
        );
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

    fn push_private_content(&mut self, user_id: i64, content: Map<String, Value>) -> i32 {
        let name = self.user_name(user_id);
        self.register_user(user_id, &name);
        let msg = self.add_user_message(user_id, user_id, content);
        self.enqueue(json!({ "message": msg.clone() }));
        message_id_of(&msg)
    }

    fn file_meta(&mut self, size: u32) -> Value {
        self.next_file_id += 1;
        let n = self.next_file_id;
        json!({
            "file_id": format!("FAKEFILE{n:08}"),
            "file_unique_id": format!("FAKEUNIQ{n:08}"),
            "file_size": size,
        })
    }

    fn sent_to(&self, chat_id: i64) -> Vec<SentMessage> {
        self.chats
            .get(&chat_id)
            .map(|c| c.messages.values().filter_map(|m| m.sent.clone()).collect())
            .unwrap_or_default()
    }

    // --- updates ------------------------------------------------------------------------

    /// Gives `update` the next id and queues it, or drops it if `allowed_updates` excludes it.
    fn enqueue(&mut self, mut update: Value) -> i64 {
        let id = self.next_update_id;
        self.next_update_id += 1;
        if let Some(obj) = update.as_object_mut() {
            obj.insert("update_id".into(), json!(id));
        }
        if self.update_allowed(update_kind(&update)) {
            self.queue.push_back((id, update));
        } else {
            self.dropped_updates.push(update);
        }
        id
    }

    /// Gives `update` the next id and keeps it aside without queueing it.
    fn drop_update(&mut self, mut update: Value) {
        if let Some(obj) = update.as_object_mut() {
            obj.insert("update_id".into(), json!(self.next_update_id));
        }
        self.next_update_id += 1;
        self.dropped_updates.push(update);
    }

    fn update_allowed(&self, kind: &str) -> bool {
        match &self.allowed_updates {
            Some(list) if !list.is_empty() => list.iter().any(|k| k == kind),
            _ => !OPT_IN_UPDATES.contains(&kind),
        }
    }

    /// Applies a `getUpdates` offset: positive confirms everything below it, negative keeps
    /// only the last `-offset` updates.
    fn confirm(&mut self, offset: i64) {
        if offset > 0 {
            self.queue.retain(|(id, _)| *id >= offset);
        } else if offset < 0 {
            let keep = usize::try_from(offset.unsigned_abs()).unwrap_or(usize::MAX);
            while self.queue.len() > keep {
                self.queue.pop_front();
            }
        }
    }

    // --- recording ----------------------------------------------------------------------

    fn record(&mut self, token: &str, method: &str, params: Value, reply: &Reply) {
        let seq = self.calls.len() + 1;
        self.calls.push(Call {
            seq,
            method: method.to_owned(),
            token: token.to_owned(),
            params,
            response_ok: reply.body.get("ok") == Some(&Value::Bool(true)),
            status: reply.status,
            response: reply.body.clone(),
        });
    }

    fn take_fault(&mut self, method: &str) -> Option<Fault> {
        for key in [method.to_ascii_lowercase(), "*".to_owned()] {
            if let Some(fault) = self.faults.get_mut(&key).and_then(VecDeque::pop_front) {
                return Some(fault);
            }
        }
        None
    }

    fn dump(&self) -> String {
        let mut out = format!("--- fake Telegram: {} call(s) ---\n", self.calls.len());
        let mut empty_polls = 0;
        for call in &self.calls {
            let empty_poll = call.method.eq_ignore_ascii_case("getUpdates")
                && call.response_ok
                && call.response["result"]
                    .as_array()
                    .is_some_and(Vec::is_empty);
            if empty_poll {
                empty_polls += 1;
                continue;
            }
            let outcome = match call.error_description() {
                None if call.response_ok => describe_result(&call.response["result"]),
                None => format!("{}", call.response),
                Some(description) => description.to_owned(),
            };
            let _ = writeln!(
                out,
                "#{} {} [{}] token={} params={} -> {}",
                call.seq,
                call.method,
                call.status,
                call.token,
                shorten(&call.params.to_string(), 300),
                shorten(&outcome, 200),
            );
        }
        if empty_polls > 0 {
            let _ = writeln!(out, "({empty_polls} empty getUpdates answer(s) not listed)");
        }
        let queued: Vec<i64> = self.queue.iter().map(|(id, _)| *id).collect();
        let _ = writeln!(
            out,
            "unconfirmed updates: {queued:?}; dropped updates: {}; next update_id: {}",
            self.dropped_updates.len(),
            self.next_update_id
        );
        out
    }
}

// ---------------------------------------------------------------------------------------------
// HTTP layer
// ---------------------------------------------------------------------------------------------

/// An answer: HTTP status and body (`html` for the nginx 502 page).
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
            Fault::BadGateway => Reply {
                status: 502,
                body: Value::String(
                    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n\
                     <center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n\
                     </body>\r\n</html>\r\n"
                        .into(),
                ),
                html: true,
            },
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
            // Never used: a slow call is carried out normally after its delay.
            Fault::Slow(_) => Reply::ok(json!(true)),
        }
    }
}

impl IntoResponse for Reply {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        if self.html {
            let page = self.body.as_str().unwrap_or_default().to_owned();
            (status, [(header::CONTENT_TYPE, "text/html")], page).into_response()
        } else {
            let body = self.body.to_string();
            (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
        }
    }
}

async fn handle_request(
    AxumState(shared): AxumState<Arc<Shared>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some((token, method)) = parse_path(uri.path()) else {
        return Reply::error(404, "Not Found").into_response();
    };
    // Method names are case-insensitive (teloxide sends "SendMessage"); record the documented
    // spelling's lower-camel-case form, e.g. "sendMessage".
    let method = lower_camel(&method);
    let params = match parse_params(uri.query(), &headers, &body) {
        Ok(params) => params,
        Err(why) => {
            let reply = Reply::bad_request(&why);
            shared.lock().record(&token, &method, json!({}), &reply);
            shared.changed.notify_waiters();
            return reply.into_response();
        }
    };
    // A long poll stays tied to its connection: if the server notices the client is gone, it
    // is dropped before it takes updates. Everything else runs in its own task, so a client
    // that stops waiting cannot cancel a send halfway.
    if method.eq_ignore_ascii_case("getUpdates") {
        return serve_call(shared, token, method, params)
            .await
            .into_response();
    }
    let worker = Arc::clone(&shared);
    let handled = tokio::spawn(async move { serve_call(worker, token, method, params).await });
    match handled.await {
        Ok(reply) => reply.into_response(),
        Err(_) => Reply::error(500, "Internal Server Error").into_response(),
    }
}

async fn serve_call(
    shared: Arc<Shared>,
    token: String,
    method: String,
    params: Map<String, Value>,
) -> Reply {
    let fault = shared.lock().take_fault(&method);
    match fault {
        Some(Fault::Slow(delay)) => tokio::time::sleep(delay).await,
        Some(Fault::Unreadable) => {
            let mut st = shared.lock();
            let carried_out = match dispatch(&mut st, &token, &method, &params) {
                Ok(result) => Reply::ok(result),
                Err(error) => error,
            };
            st.record(&token, &method, Value::Object(params), &carried_out);
            drop(st);
            shared.changed.notify_waiters();
            return Reply::fault(&Fault::Unreadable);
        }
        Some(fault) => {
            let reply = Reply::fault(&fault);
            shared
                .lock()
                .record(&token, &method, Value::Object(params), &reply);
            shared.changed.notify_waiters();
            return reply;
        }
        None => {}
    }
    let reply = if method.eq_ignore_ascii_case("getUpdates") {
        let reply = get_updates(&shared, &token, &params).await;
        shared
            .lock()
            .record(&token, &method, Value::Object(params), &reply);
        reply
    } else {
        let mut st = shared.lock();
        let reply = match dispatch(&mut st, &token, &method, &params) {
            Ok(result) => Reply::ok(result),
            Err(error) => error,
        };
        st.record(&token, &method, Value::Object(params), &reply);
        reply
    };
    shared.changed.notify_waiters();
    reply
}

/// Splits `/bot<TOKEN>/<method>` (tolerating empty segments such as `//`).
fn parse_path(path: &str) -> Option<(String, String)> {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let [bot, method] = segments.as_slice() else {
        return None;
    };
    let token = percent_decode(bot.strip_prefix("bot")?);
    let method = percent_decode(method);
    (!token.is_empty() && !method.is_empty()).then_some((token, method))
}

fn parse_params(
    query: Option<&str>,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Map<String, Value>, String> {
    let mut params = Map::new();
    for (key, value) in parse_urlencoded(query.unwrap_or_default()) {
        params.insert(key, Value::String(value));
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let lower = content_type.to_ascii_lowercase();
    let body_text = || String::from_utf8_lossy(body).into_owned();
    if body.iter().all(u8::is_ascii_whitespace) {
        // No body: query parameters only.
    } else if lower.starts_with("multipart/form-data") {
        let boundary = content_type
            .split(';')
            .filter_map(|part| part.trim().split_once('='))
            .find(|(k, _)| k.eq_ignore_ascii_case("boundary"))
            .map(|(_, v)| v.trim_matches('"').to_owned())
            .ok_or("multipart body without boundary")?;
        for (key, value) in parse_multipart(body, &boundary)? {
            params.insert(key, value);
        }
    } else if lower.starts_with("application/x-www-form-urlencoded") {
        for (key, value) in parse_urlencoded(&body_text()) {
            params.insert(key, Value::String(value));
        }
    } else {
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(map)) => params.extend(map),
            Ok(_) | Err(_) if lower.starts_with("application/json") => {
                return Err("can't parse JSON object".into());
            }
            _ => {}
        }
    }
    for (key, value) in params.iter_mut() {
        if let Value::String(s) = value {
            if JSON_FIELDS.contains(&key.as_str()) {
                if let Ok(decoded) = serde_json::from_str::<Value>(s) {
                    *value = decoded;
                }
            }
        }
    }
    Ok(params)
}

fn parse_urlencoded(input: &str) -> Vec<(String, String)> {
    input
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let plus = |s: &str| percent_decode(&s.replace('+', " "));
            (plus(key), plus(value))
        })
        .collect()
}

fn percent_decode(input: &str) -> String {
    let bytes = input.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(hi), Some(lo)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((hi * 16 + lo) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Parses a `multipart/form-data` body: text fields as strings, files as
/// `"<file NAME: N bytes>"`.
fn parse_multipart(body: &[u8], boundary: &str) -> Result<Vec<(String, Value)>, String> {
    let delimiter = format!("--{boundary}");
    let delimiter = delimiter.as_bytes();
    let mut fields = Vec::new();
    let mut rest = match find_bytes(body, delimiter) {
        Some(at) => &body[at + delimiter.len()..],
        None => return Err("multipart body without its boundary".into()),
    };
    loop {
        if rest.starts_with(b"--") {
            break;
        }
        let Some(end) = find_bytes(rest, delimiter) else {
            return Err("unterminated multipart body".into());
        };
        let part = &rest[..end];
        rest = &rest[end + delimiter.len()..];
        let part = part.strip_prefix(b"\r\n").unwrap_or(part);
        let part = part.strip_suffix(b"\r\n").unwrap_or(part);
        let Some(split) = find_bytes(part, b"\r\n\r\n") else {
            continue;
        };
        let head = String::from_utf8_lossy(&part[..split]);
        let content = &part[split + 4..];
        let disposition = head
            .lines()
            .find(|line| line.to_ascii_lowercase().starts_with("content-disposition"))
            .unwrap_or_default();
        let Some(name) = disposition_param(disposition, "name") else {
            continue;
        };
        let value = match disposition_param(disposition, "filename") {
            Some(file) => Value::String(format!("<file {file}: {} bytes>", content.len())),
            None => Value::String(String::from_utf8_lossy(content).into_owned()),
        };
        fields.push((name, value));
    }
    Ok(fields)
}

fn disposition_param(disposition: &str, key: &str) -> Option<String> {
    disposition.split(';').find_map(|part| {
        let (k, v) = part.trim().split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case(key)
            .then(|| v.trim().trim_matches('"').to_owned())
    })
}

fn find_bytes(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

// ---------------------------------------------------------------------------------------------
// Methods
// ---------------------------------------------------------------------------------------------

/// `getUpdates`: applies the offset, then answers at once if updates are queued, else waits
/// for one or for the timeout; a newer `getUpdates` of the same token ends it with 409.
async fn get_updates(shared: &Shared, token: &str, params: &Map<String, Value>) -> Reply {
    let timeout = p_i64(params, "timeout")
        .unwrap_or(0)
        .clamp(0, MAX_LONG_POLL_SECS);
    let limit = match p_i64(params, "limit") {
        Some(n) if n >= 1 => n.min(100) as usize,
        _ => 100,
    };
    let deadline = Instant::now() + Duration::from_secs(timeout.unsigned_abs());
    let generation = {
        let mut st = shared.lock();
        if st.webhook_url.is_some() {
            return Reply::error(
                409,
                "Conflict: can't use getUpdates method while webhook is active; use \
                 deleteWebhook to delete the webhook first",
            );
        }
        if let Some(Value::Array(kinds)) = params.get("allowed_updates") {
            let kinds = kinds.iter().filter_map(Value::as_str).map(str::to_owned);
            st.allowed_updates = Some(kinds.collect());
        }
        if let Some(offset) = p_i64(params, "offset") {
            st.confirm(offset);
        }
        let generation = st.poll_generation.entry(token.to_owned()).or_insert(0);
        *generation += 1;
        *generation
    };
    let _polling = PollGuard::new(shared);
    loop {
        let notified = shared.changed.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        {
            let st = shared.lock();
            if st.poll_generation.get(token) != Some(&generation) {
                return Reply::error(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure that only one \
                     bot instance is running",
                );
            }
            if !st.queue.is_empty() || Instant::now() >= deadline {
                let batch: Vec<Value> = st
                    .queue
                    .iter()
                    .take(limit)
                    .map(|(_, u)| u.clone())
                    .collect();
                return Reply::ok(Value::Array(batch));
            }
        }
        tokio::select! {
            _ = &mut notified => {}
            _ = tokio::time::sleep_until(deadline) => {}
        }
    }
}

/// Counts a long poll as active while it lives (also when its connection is dropped).
struct PollGuard<'a>(&'a Shared);

impl<'a> PollGuard<'a> {
    fn new(shared: &'a Shared) -> PollGuard<'a> {
        shared.lock().active_polls += 1;
        shared.changed.notify_waiters();
        PollGuard(shared)
    }
}

impl Drop for PollGuard<'_> {
    fn drop(&mut self) {
        let mut st = self.0.lock();
        st.active_polls = st.active_polls.saturating_sub(1);
        drop(st);
        self.0.changed.notify_waiters();
    }
}

fn dispatch(
    st: &mut State,
    token: &str,
    method: &str,
    p: &Map<String, Value>,
) -> Result<Value, Reply> {
    match method.to_ascii_lowercase().as_str() {
        "getme" => Ok(st.me_json(token)),
        "getwebhookinfo" => Ok(json!({
            "url": st.webhook_url.clone().unwrap_or_default(),
            "has_custom_certificate": false,
            "pending_update_count": st.queue.len(),
        })),
        "setwebhook" => {
            st.webhook_url = p_str(p, "url").filter(|u| !u.is_empty());
            Ok(json!(true))
        }
        "deletewebhook" => {
            st.webhook_url = None;
            if p_bool(p, "drop_pending_updates") {
                st.queue.clear();
            }
            Ok(json!(true))
        }
        "setmycommands" => st.set_my_commands(p),
        "getmycommands" => Ok(st
            .commands
            .get(&commands_key(p))
            .cloned()
            .unwrap_or(json!([]))),
        "deletemycommands" => {
            st.commands.remove(&commands_key(p));
            Ok(json!(true))
        }
        "sendmessage" => st.send_message(token, p),
        "copymessage" => st.copy_or_forward(token, p, false),
        "forwardmessage" => st.copy_or_forward(token, p, true),
        "editmessagetext" => st.edit_message_text(p),
        "editmessagereplymarkup" => st.edit_message_reply_markup(p),
        "answercallbackquery" => st.answer_callback_query(p),
        "sendchataction" => st.send_chat_action(p),
        "deletemessage" => st.delete_message(p),
        "getchat" => st.get_chat(p),
        "leavechat" => st.leave_chat(p),
        _ => Ok(json!(true)),
    }
}

impl State {
    fn bot_json(&self, token: &str) -> Value {
        json!({
            "id": bot_id_for_token(token),
            "is_bot": true,
            "first_name": BOT_FIRST_NAME,
            "username": BOT_USERNAME,
        })
    }

    fn me_json(&self, token: &str) -> Value {
        let mut me = self.bot_json(token);
        me["can_join_groups"] = json!(true);
        me["can_read_all_group_messages"] = json!(!self.privacy_mode);
        me["supports_inline_queries"] = json!(false);
        me["can_connect_to_business"] = json!(false);
        me["has_main_web_app"] = json!(false);
        me
    }

    /// Refuses sends to chats Telegram would refuse; otherwise makes sure the chat exists.
    fn check_can_send(&mut self, chat_id: i64) -> Result<(), Reply> {
        if chat_id == 0 {
            return Err(Reply::bad_request("chat not found"));
        }
        if self.blocked.contains(&chat_id) {
            return Err(Reply::forbidden("bot was blocked by the user"));
        }
        match self.chats.get(&chat_id) {
            Some(chat) => {
                if let Some(to) = chat.migrated_to {
                    return Err(Reply::error_with(
                        400,
                        "Bad Request: group chat was upgraded to a supergroup chat",
                        json!({ "migrate_to_chat_id": to }),
                    ));
                }
                if chat.bot_left {
                    let kind = match chat.kind {
                        ChatKind::Supergroup { .. } => "supergroup",
                        _ => "group",
                    };
                    return Err(Reply::forbidden(&format!(
                        "bot is not a member of the {kind} chat"
                    )));
                }
            }
            None if self.strict_chats && chat_id > 0 => {
                return Err(Reply::forbidden(
                    "bot can't initiate conversation with a user",
                ));
            }
            None if self.strict_chats => return Err(Reply::bad_request("chat not found")),
            None => {
                self.ensure_chat(chat_id);
            }
        }
        Ok(())
    }

    /// Resolves `reply_parameters` / `reply_to_message_id` to the message replied to.
    fn resolve_reply(
        &self,
        chat_id: i64,
        p: &Map<String, Value>,
    ) -> Result<Option<(i32, Value)>, Reply> {
        let (target, in_chat, allow_without) = match p.get("reply_parameters") {
            Some(Value::Object(rp)) => (
                p_i64(rp, "message_id"),
                p_i64(rp, "chat_id").unwrap_or(chat_id),
                p_bool(rp, "allow_sending_without_reply"),
            ),
            _ => (
                p_i64(p, "reply_to_message_id"),
                chat_id,
                p_bool(p, "allow_sending_without_reply"),
            ),
        };
        let Some(target) = target else {
            return Ok(None);
        };
        let found = i32::try_from(target)
            .ok()
            .and_then(|id| self.stored(in_chat, id))
            .filter(|m| !m.deleted);
        match found {
            Some(m) => Ok(Some((message_id_of(&m.json), strip_reply(&m.json)))),
            None if allow_without => Ok(None),
            None => Err(Reply::bad_request("message to be replied not found")),
        }
    }

    fn send_message(&mut self, token: &str, p: &Map<String, Value>) -> Result<Value, Reply> {
        let chat_id = require_chat_id(p, "chat_id")?;
        self.check_can_send(chat_id)?;
        let raw = p_str(p, "text").unwrap_or_default();
        let parse_mode = p_str(p, "parse_mode").filter(|m| !m.is_empty());
        let (text, entities) = format_text(&raw, parse_mode.as_deref(), p.get("entities"))?;
        if text.is_empty() {
            return Err(Reply::bad_request("message text is empty"));
        }
        if text.chars().count() > MAX_TEXT_CHARS {
            return Err(Reply::bad_request("message is too long"));
        }
        let markup = validate_reply_markup(p.get("reply_markup"))?;
        let reply = self.resolve_reply(chat_id, p)?;
        let mut content = Map::new();
        content.insert("text".into(), json!(text));
        if !entities.is_empty() {
            content.insert("entities".into(), Value::Array(entities));
        }
        if let Some(lpo) = p.get("link_preview_options").filter(|v| v.is_object()) {
            content.insert("link_preview_options".into(), lpo.clone());
        }
        let reply_to = reply.as_ref().map(|(id, _)| *id);
        if let Some((_, original)) = reply {
            content.insert("reply_to_message".into(), original);
        }
        if let Some(markup) = markup {
            content.insert("reply_markup".into(), markup);
        }
        let sent = SentMessage {
            chat_id,
            message_id: 0,
            method: "sendMessage".into(),
            text: raw,
            plain_text: text,
            parse_mode,
            reply_markup: p.get("reply_markup").filter(|v| !v.is_null()).cloned(),
            reply_to,
            edit_count: 0,
            deleted: false,
        };
        let from = self.bot_json(token);
        Ok(self.add_message(chat_id, from, content, Some(sent)))
    }

    /// `copyMessage` (answers `{"message_id": N}`) and `forwardMessage` (answers the Message).
    fn copy_or_forward(
        &mut self,
        token: &str,
        p: &Map<String, Value>,
        forward: bool,
    ) -> Result<Value, Reply> {
        let chat_id = require_chat_id(p, "chat_id")?;
        let from_chat_id = require_chat_id(p, "from_chat_id")?;
        let message_id = p_i64(p, "message_id")
            .ok_or_else(|| Reply::bad_request("message identifier is not specified"))?;
        self.check_can_send(chat_id)?;
        let not_found = if forward {
            "message to forward not found"
        } else {
            "message to copy not found"
        };
        let original = i32::try_from(message_id)
            .ok()
            .and_then(|id| self.stored(from_chat_id, id))
            .filter(|m| !m.deleted)
            .map(|m| m.json.clone())
            .ok_or_else(|| Reply::bad_request(not_found))?;
        let mut content: Map<String, Value> = CONTENT_FIELDS
            .iter()
            .filter_map(|k| original.get(*k).map(|v| ((*k).to_owned(), v.clone())))
            .collect();
        if content.is_empty() {
            return Err(Reply::bad_request("message can't be copied"));
        }
        let mut parse_mode = None;
        let has_caption_param = p.contains_key("caption");
        if !forward && has_caption_param && !content.contains_key("text") {
            let raw = p_str(p, "caption").unwrap_or_default();
            parse_mode = p_str(p, "parse_mode").filter(|m| !m.is_empty());
            let (caption, entities) =
                format_text(&raw, parse_mode.as_deref(), p.get("caption_entities"))?;
            if caption.chars().count() > MAX_CAPTION_CHARS {
                return Err(Reply::bad_request("message caption is too long"));
            }
            content.remove("caption_entities");
            content.remove("caption");
            if !caption.is_empty() {
                content.insert("caption".into(), json!(caption));
            }
            if !entities.is_empty() {
                content.insert("caption_entities".into(), Value::Array(entities));
            }
        }
        let markup = if forward {
            None
        } else {
            validate_reply_markup(p.get("reply_markup"))?
        };
        let reply = if forward {
            None
        } else {
            self.resolve_reply(chat_id, p)?
        };
        if forward {
            let origin = match original.get("from") {
                Some(user) => {
                    json!({ "type": "user", "date": original["date"], "sender_user": user })
                }
                None => {
                    json!({ "type": "hidden_user", "date": original["date"], "sender_user_name": "Unknown" })
                }
            };
            content.insert("forward_origin".into(), origin);
        }
        let reply_to = reply.as_ref().map(|(id, _)| *id);
        if let Some((_, original_reply)) = reply {
            content.insert("reply_to_message".into(), original_reply);
        }
        if let Some(markup) = markup {
            content.insert("reply_markup".into(), markup);
        }
        let shown = |c: &Map<String, Value>| {
            c.get("text")
                .or_else(|| c.get("caption"))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        let plain_text = shown(&content);
        let text = if has_caption_param && !forward && !content.contains_key("text") {
            p_str(p, "caption").unwrap_or_default()
        } else {
            plain_text.clone()
        };
        let sent = SentMessage {
            chat_id,
            message_id: 0,
            method: if forward {
                "forwardMessage"
            } else {
                "copyMessage"
            }
            .into(),
            text,
            plain_text,
            parse_mode,
            reply_markup: p
                .get("reply_markup")
                .filter(|v| !v.is_null() && !forward)
                .cloned(),
            reply_to,
            edit_count: 0,
            deleted: false,
        };
        let from = self.bot_json(token);
        let msg = self.add_message(chat_id, from, content, Some(sent));
        if forward {
            Ok(msg)
        } else {
            Ok(json!({ "message_id": msg["message_id"] }))
        }
    }

    /// Finds the bot message an edit targets (`chat_id` + `message_id`).
    fn editable(&mut self, p: &Map<String, Value>) -> Result<(i64, i32), Reply> {
        let chat_id = require_chat_id(p, "chat_id")?;
        let message_id = p_i64(p, "message_id")
            .ok_or_else(|| Reply::bad_request("message identifier is not specified"))?;
        self.check_can_send(chat_id)?;
        let message_id = i32::try_from(message_id)
            .map_err(|_| Reply::bad_request("message to edit not found"))?;
        match self.stored(chat_id, message_id) {
            Some(m) if !m.deleted && m.sent.is_some() => Ok((chat_id, message_id)),
            Some(m) if !m.deleted => Err(Reply::bad_request("message can't be edited")),
            _ => Err(Reply::bad_request("message to edit not found")),
        }
    }

    fn edit_message_text(&mut self, p: &Map<String, Value>) -> Result<Value, Reply> {
        let raw = p_str(p, "text").unwrap_or_default();
        let parse_mode = p_str(p, "parse_mode").filter(|m| !m.is_empty());
        let (text, entities) = format_text(&raw, parse_mode.as_deref(), p.get("entities"))?;
        if text.is_empty() {
            return Err(Reply::bad_request("message text is empty"));
        }
        if text.chars().count() > MAX_TEXT_CHARS {
            return Err(Reply::bad_request("MESSAGE_TOO_LONG"));
        }
        let markup = validate_reply_markup(p.get("reply_markup"))?;
        if p.contains_key("inline_message_id") {
            return Ok(json!(true));
        }
        let (chat_id, message_id) = self.editable(p)?;
        let stored = self
            .chats
            .get_mut(&chat_id)
            .and_then(|c| c.messages.get_mut(&message_id))
            .expect("editable message exists");
        let obj = stored
            .json
            .as_object_mut()
            .expect("stored message is an object");
        if !obj.contains_key("text") {
            return Err(Reply::bad_request(
                "there is no text in the message to edit",
            ));
        }
        let entities = (!entities.is_empty()).then_some(Value::Array(entities));
        if obj.get("text") == Some(&json!(text))
            && obj.get("entities") == entities.as_ref()
            && obj.get("reply_markup") == markup.as_ref()
        {
            return Err(Reply::bad_request(NOT_MODIFIED));
        }
        obj.insert("text".into(), json!(text));
        set_or_remove(obj, "entities", entities);
        set_or_remove(obj, "reply_markup", markup);
        obj.insert("edit_date".into(), json!(now_unix()));
        if let Some(sent) = stored.sent.as_mut() {
            sent.text = raw;
            sent.plain_text = text;
            sent.parse_mode = parse_mode;
            sent.reply_markup = p.get("reply_markup").filter(|v| !v.is_null()).cloned();
            sent.edit_count += 1;
        }
        Ok(stored.json.clone())
    }

    fn edit_message_reply_markup(&mut self, p: &Map<String, Value>) -> Result<Value, Reply> {
        let markup = validate_reply_markup(p.get("reply_markup"))?;
        if p.contains_key("inline_message_id") {
            return Ok(json!(true));
        }
        let (chat_id, message_id) = self.editable(p)?;
        let stored = self
            .chats
            .get_mut(&chat_id)
            .and_then(|c| c.messages.get_mut(&message_id))
            .expect("editable message exists");
        let obj = stored
            .json
            .as_object_mut()
            .expect("stored message is an object");
        if obj.get("reply_markup") == markup.as_ref() {
            return Err(Reply::bad_request(NOT_MODIFIED));
        }
        set_or_remove(obj, "reply_markup", markup);
        obj.insert("edit_date".into(), json!(now_unix()));
        if let Some(sent) = stored.sent.as_mut() {
            sent.reply_markup = p.get("reply_markup").filter(|v| !v.is_null()).cloned();
            sent.edit_count += 1;
        }
        Ok(stored.json.clone())
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

    fn send_chat_action(&mut self, p: &Map<String, Value>) -> Result<Value, Reply> {
        let chat_id = require_chat_id(p, "chat_id")?;
        self.check_can_send(chat_id)?;
        let action = p_str(p, "action").unwrap_or_default();
        if !CHAT_ACTIONS.contains(&action.as_str()) {
            return Err(Reply::bad_request("wrong parameter action in request"));
        }
        Ok(json!(true))
    }

    fn delete_message(&mut self, p: &Map<String, Value>) -> Result<Value, Reply> {
        let chat_id = require_chat_id(p, "chat_id")?;
        let message_id = p_i64(p, "message_id")
            .ok_or_else(|| Reply::bad_request("message identifier is not specified"))?;
        let stored = i32::try_from(message_id).ok().and_then(|id| {
            self.chats
                .get_mut(&chat_id)
                .and_then(|c| c.messages.get_mut(&id))
        });
        match stored {
            Some(m) if !m.deleted => {
                m.deleted = true;
                if let Some(sent) = m.sent.as_mut() {
                    sent.deleted = true;
                }
                Ok(json!(true))
            }
            _ => Err(Reply::bad_request("message to delete not found")),
        }
    }

    fn get_chat(&mut self, p: &Map<String, Value>) -> Result<Value, Reply> {
        let chat_id = require_chat_id(p, "chat_id")?;
        if !self.chats.contains_key(&chat_id) {
            return Err(Reply::bad_request("chat not found"));
        }
        let mut chat = self.chat_json(chat_id);
        chat["accent_color_id"] = json!(0);
        chat["max_reaction_count"] = json!(11);
        chat["accepted_gift_types"] = json!({
            "unlimited_gifts": true, "limited_gifts": true,
            "unique_gifts": true, "premium_subscription": true,
        });
        Ok(chat)
    }

    fn leave_chat(&mut self, p: &Map<String, Value>) -> Result<Value, Reply> {
        let chat_id = require_chat_id(p, "chat_id")?;
        if chat_id > 0 {
            return Err(Reply::bad_request(
                "chat member status can't be changed in private chats",
            ));
        }
        let chat = self
            .chats
            .get_mut(&chat_id)
            .ok_or_else(|| Reply::bad_request("chat not found"))?;
        chat.bot_left = true;
        Ok(json!(true))
    }

    fn set_my_commands(&mut self, p: &Map<String, Value>) -> Result<Value, Reply> {
        let Some(Value::Array(commands)) = p.get("commands") else {
            return Err(Reply::bad_request("parameter \"commands\" is required"));
        };
        if commands.len() > 100 {
            return Err(Reply::bad_request("BOT_COMMANDS_TOO_MUCH"));
        }
        for command in commands {
            let name = command
                .get("command")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let description = command
                .get("description")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let valid_name = (1..=32).contains(&name.chars().count())
                && name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if !valid_name {
                return Err(Reply::bad_request("BOT_COMMAND_INVALID"));
            }
            if !(1..=256).contains(&description.chars().count()) {
                return Err(Reply::bad_request("BOT_COMMAND_DESCRIPTION_INVALID"));
            }
        }
        self.commands
            .insert(commands_key(p), Value::Array(commands.clone()));
        Ok(json!(true))
    }
}

// ---------------------------------------------------------------------------------------------
// Text, entities and keyboards
// ---------------------------------------------------------------------------------------------

/// Turns a text with its `parse_mode` (or explicit entities) into what Telegram stores:
/// the visible text, trimmed, and its entities (UTF-16 offsets).
fn format_text(
    raw: &str,
    parse_mode: Option<&str>,
    explicit_entities: Option<&Value>,
) -> Result<(String, Vec<Value>), Reply> {
    let (text, entities) = match (explicit_entities, parse_mode) {
        (Some(Value::Array(entities)), _) => (raw.to_owned(), entities.clone()),
        (_, None) => (raw.to_owned(), Vec::new()),
        (_, Some(mode)) if mode.eq_ignore_ascii_case("html") => parse_html(raw)
            .map_err(|why| Reply::bad_request(&format!("can't parse entities: {why}")))?,
        (_, Some(mode))
            if mode.eq_ignore_ascii_case("markdownv2") || mode.eq_ignore_ascii_case("markdown") =>
        {
            (raw.to_owned(), Vec::new())
        }
        (_, Some(_)) => return Err(Reply::bad_request("unsupported parse_mode")),
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
pub fn parse_html(html: &str) -> Result<(String, Vec<Value>), String> {
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

/// `text` and the `bot_command` entities Telegram detects in a user's text.
fn text_content(text: &str) -> Map<String, Value> {
    let mut content = Map::new();
    content.insert("text".into(), json!(text));
    let mut entities = Vec::new();
    let mut pos = 0usize;
    let mut prev: Option<char> = None;
    let chars: Vec<char> = text.chars().collect();
    let mut k = 0;
    while k < chars.len() {
        let c = chars[k];
        let at_word_start = prev.is_none_or(char::is_whitespace);
        if c == '/' && at_word_start {
            let mut end = k + 1;
            while end < chars.len() && (chars[end].is_ascii_alphanumeric() || chars[end] == '_') {
                end += 1;
            }
            if end > k + 1 && end < chars.len() && chars[end] == '@' {
                let mut name_end = end + 1;
                while name_end < chars.len()
                    && (chars[name_end].is_ascii_alphanumeric() || chars[name_end] == '_')
                {
                    name_end += 1;
                }
                if name_end > end + 1 {
                    end = name_end;
                }
            }
            if end > k + 1 {
                let length: usize = chars[k..end].iter().map(|c| c.len_utf16()).sum();
                entities.push(json!({ "type": "bot_command", "offset": pos, "length": length }));
                pos += length;
                prev = Some(chars[end - 1]);
                k = end;
                continue;
            }
        }
        pos += c.len_utf16();
        prev = Some(c);
        k += 1;
    }
    if !entities.is_empty() {
        content.insert("entities".into(), Value::Array(entities));
    }
    content
}

// ---------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------

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

fn update_kind(update: &Value) -> &str {
    update
        .as_object()
        .and_then(|o| o.keys().find(|k| k.as_str() != "update_id"))
        .map_or("", String::as_str)
}

fn with_fields(mut base: Value, extra: Value) -> Value {
    if let (Some(base), Value::Object(extra)) = (base.as_object_mut(), extra) {
        base.extend(extra);
    }
    base
}

fn insert_caption(content: &mut Map<String, Value>, caption: Option<&str>) {
    if let Some(caption) = caption {
        content.insert("caption".into(), json!(caption));
    }
}

fn mime_for(file_name: &str) -> &'static str {
    let ext = file_name
        .rsplit('.')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    match ext.as_str() {
        "pdf" => "application/pdf",
        "txt" => "text/plain",
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "zip" => "application/zip",
        _ => "application/octet-stream",
    }
}

fn set_or_remove(obj: &mut Map<String, Value>, key: &str, value: Option<Value>) {
    match value {
        Some(value) => {
            obj.insert(key.to_owned(), value);
        }
        None => {
            obj.remove(key);
        }
    }
}

/// Storage key for commands: scope and language code.
fn commands_key(p: &Map<String, Value>) -> String {
    let scope = p
        .get("scope")
        .filter(|s| !s.is_null())
        .cloned()
        .unwrap_or(json!({ "type": "default" }));
    let language = p_str(p, "language_code").unwrap_or_default();
    format!("{scope}|{language}")
}

fn p_i64(p: &Map<String, Value>, key: &str) -> Option<i64> {
    match p.get(key)? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn p_str(p: &Map<String, Value>, key: &str) -> Option<String> {
    match p.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn p_bool(p: &Map<String, Value>, key: &str) -> bool {
    match p.get(key) {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s == "true" || s == "1",
        Some(Value::Number(n)) => n.as_i64() == Some(1),
        _ => false,
    }
}

/// A chat id parameter: missing → `chat_id is empty`, `@username` or junk → `chat not found`.
fn require_chat_id(p: &Map<String, Value>, key: &str) -> Result<i64, Reply> {
    match p.get(key) {
        None | Some(Value::Null) => Err(Reply::bad_request(&format!("{key} is empty"))),
        Some(Value::String(s)) if s.is_empty() => {
            Err(Reply::bad_request(&format!("{key} is empty")))
        }
        Some(_) => p_i64(p, key).ok_or_else(|| Reply::bad_request("chat not found")),
    }
}
