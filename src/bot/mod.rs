//! The Telegram bot: shared state, the handler tree, and the serve loop. Patients talk to it
//! in private chats; experts answer in their group; maintainers re-index and read stats.

mod admin;
mod buttons;
mod experts;
mod failure;
mod groups;
mod health;
pub mod messages;
mod metrics;
mod pace;
mod patient;
mod prune;
mod reminders;
mod send;
mod startup;
mod topics;
mod webhook;

use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

use arc_swap::ArcSwap;
use futures::FutureExt;
use teloxide::adaptors::throttle::Limits;
use teloxide::adaptors::Throttle;
use teloxide::dispatching::{HandlerExt, UpdateFilterExt, UpdateHandler};
use teloxide::prelude::*;
use teloxide::types::BotCommand;
use teloxide::utils::command::BotCommands;
use tracing::{error, info, warn};

use crate::answer::Policy;
use crate::config::{BotConfig, Locations};
use crate::flood::FloodGate;
use crate::search::Engine;
use crate::store::Store;
use failure::Failure;
pub use startup::whoami;

/// The bot as handlers use it: rate-limited by teloxide's `Throttle`.
pub type Tg = Throttle<Bot>;
/// What endpoints return to teloxide (always `Ok`: [`guard`] logs failures).
type HandlerResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;
/// What handler bodies return.
type Handled = Result<(), Failure>;

/// The stored setting that follows the expert group through a supergroup migration.
const EXPERT_GROUP_SETTING: &str = "expert_group";

/// Everything handlers share.
pub struct AppState {
    engine: ArcSwap<Engine>,
    locations: Locations,
    policy: Policy,
    store: Arc<Store>,
    /// Whether this instance handles updates now (instances sharing a database take turns).
    turn: crate::store::Turn,
    expert_group: AtomicI64,
    /// The expert group is a forum: each patient's tickets go into their own topic.
    forum: AtomicBool,
    /// Creating, reopening and closing topics one at a time, so a patient never gets two.
    topic_lock: tokio::sync::Mutex<()>,
    admins: Vec<u64>,
    flood: Mutex<FloodGate>,
    reminder_after: std::time::Duration,
    /// Days tickets, feedback and flags are kept.
    keep_days: u32,
    outbox: experts::Outbox,
    polling: health::Polling,
    /// The kidney team's working days and hours, and the answer time patients are told;
    /// `reminder_after` counts working time on it.
    schedule: crate::hours::Schedule,
    /// How often an unanswered urgent ticket is raised again, at any hour.
    urgent_every: std::time::Duration,
}

impl AppState {
    fn expert_group(&self) -> ChatId {
        ChatId(self.expert_group.load(Ordering::Relaxed))
    }

    fn is_forum(&self) -> bool {
        self.forum.load(Ordering::Relaxed)
    }

    /// Follows the expert group's chat as its messages show it (topics turned on or off).
    fn follow_forum(&self, chat: &teloxide::types::Chat) {
        let forum = topics::is_forum(chat);
        if self.forum.swap(forum, Ordering::Relaxed) != forum {
            info!(forum, "the expert group's topics were turned on or off");
        }
    }

    fn is_admin(&self, user: Option<&teloxide::types::User>) -> bool {
        user.is_some_and(|u| self.admins.contains(&u.id.0))
    }
}

/// Commands in a private chat.
#[derive(BotCommands, Clone, Debug)]
#[command(rename_rule = "lowercase")]
enum PrivateCommand {
    #[command(description = "what I can do")]
    Start,
    #[command(description = "what I can do")]
    Help,
    #[command(description = "what is stored about you and how to erase it")]
    Privacy,
    #[command(description = "erase everything stored about you")]
    Forget,
}

/// Commands in the expert group.
#[derive(BotCommands, Clone, Debug)]
#[command(rename_rule = "lowercase")]
enum ExpertCommand {
    #[command(description = "list open questions")]
    Open,
    #[command(description = "close a question: reply to it, or /close NUMBER")]
    Close(String),
    #[command(description = "reopen a closed question: reply to it, or /reopen NUMBER")]
    Reopen(String),
}

/// The handler tree: roles are filters, endpoints are small named functions.
pub fn schema() -> UpdateHandler<Box<dyn std::error::Error + Send + Sync + 'static>> {
    let first_delivery = dptree::filter(|update: Update, state: Arc<AppState>| {
        state.polling.update_arrived();
        match state.store.first_delivery(update.id.0) {
            Ok(first) => first,
            Err(e) => {
                error!(update = update.id.0, "cannot record the update: {e}");
                true
            }
        }
    });
    let in_expert_group = dptree::filter(|msg: Message, state: Arc<AppState>| {
        let ours = msg.chat.id == state.expert_group();
        if ours {
            state.follow_forum(&msg.chat);
        }
        ours
    });
    let private = dptree::filter(|msg: Message| msg.chat.is_private());
    let other_groups = dptree::filter(|msg: Message, state: Arc<AppState>| {
        !msg.chat.is_private() && msg.chat.id != state.expert_group()
    });

    let expert_messages = in_expert_group
        .branch(
            dptree::filter(|msg: Message| msg.migrate_to_chat_id().is_some())
                .endpoint(experts::migrated),
        )
        .branch(
            dptree::entry()
                .filter_command::<ExpertCommand>()
                .endpoint(experts::command),
        )
        .branch(
            dptree::filter(|msg: Message, state: Arc<AppState>| {
                state.is_forum() && topics::thread_of(&msg).is_some()
            })
            .endpoint(experts::in_topic),
        )
        .branch(
            dptree::filter(|msg: Message| msg.reply_to_message().is_some())
                .endpoint(experts::reply),
        );

    let private_messages = private
        .branch(
            dptree::entry()
                .filter_command::<admin::AdminCommand>()
                .endpoint(admin::command),
        )
        .branch(
            dptree::entry()
                .filter_command::<PrivateCommand>()
                .endpoint(patient::command),
        )
        .branch(
            dptree::filter(|msg: Message| patient::looks_like_command(msg.text()))
                .endpoint(patient::unknown_command),
        )
        .branch(dptree::filter(|msg: Message| msg.text().is_some()).endpoint(patient::question))
        .endpoint(patient::media);

    first_delivery
        .branch(
            Update::filter_message()
                .branch(expert_messages)
                .branch(private_messages)
                .branch(other_groups.endpoint(groups::ignored)),
        )
        .branch(Update::filter_my_chat_member().endpoint(groups::membership))
        .branch(
            Update::filter_edited_message()
                .filter(|msg: Message| msg.chat.is_private())
                .endpoint(patient::edited),
        )
        .branch(Update::filter_callback_query().endpoint(patient::callback))
}

/// Runs a handler body; a failure is logged by kind (never with message text), and a panic
/// is contained, so other chats are unaffected (an unwinding handler would otherwise take
/// its teloxide worker, then the dispatcher, down).
async fn guard(
    what: &'static str,
    body: impl std::future::Future<Output = Handled>,
) -> HandlerResult {
    match AssertUnwindSafe(body).catch_unwind().await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => {
            warn!(handler = what, "handler failed: {e}");
            Ok(())
        }
        Err(_) => {
            error!(handler = what, "handler panicked; the bot goes on");
            Ok(())
        }
    }
}

/// Runs the bot until Ctrl-C or SIGTERM, then finishes the handlers in flight. The token is
/// checked first: a rejected one stops start-up with one line; while Telegram cannot be
/// reached, start-up waits and retries, and a signal still stops it at once.
pub async fn serve(config: BotConfig) -> anyhow::Result<()> {
    let stop = startup::stop_on_signal();
    let bot = Bot::new(config.token.expose())
        .set_api_url(config.api_url.clone())
        .throttle(Limits::default());
    let Some(me) = startup::check_token(&bot, stop.clone()).await? else {
        info!("stopped during start-up");
        return Ok(());
    };
    info!(bot = me.id.0, "token accepted");
    let locations = config.locations.clone();
    let engine =
        tokio::task::spawn_blocking(move || crate::commands::open_engine(&locations)).await??;
    let store = Arc::new(Store::open_database(&config.database)?);
    if store.is_shared() {
        pace::share(store.clone());
        if config.webhook.is_none() {
            warn!("instances sharing a database need webhook mode: Telegram lets only one poll");
        }
    }
    let turn = store.take_turns();
    let expert_group =
        match store.setting(&format!("{EXPERT_GROUP_SETTING}:{}", config.expert_group))? {
            Some(migrated) => migrated.parse().unwrap_or(config.expert_group),
            None => config.expert_group,
        };
    let state = Arc::new(AppState {
        engine: ArcSwap::from_pointee(engine),
        locations: config.locations.clone(),
        policy: config.policy,
        store,
        turn,
        expert_group: AtomicI64::new(expert_group),
        forum: AtomicBool::new(topics::detect(&bot, ChatId(expert_group)).await),
        topic_lock: tokio::sync::Mutex::new(()),
        admins: config.admins.clone(),
        flood: Mutex::new(FloodGate::new(config.flood_per_minute)),
        reminder_after: config.reminder_after,
        keep_days: config.keep_days,
        outbox: experts::Outbox::default(),
        polling: health::Polling::default(),
        schedule: config.schedule.clone(),
        urgent_every: config.urgent_every,
    });
    if let Some(addr) = config.health_addr {
        health::start(addr, state.clone()).await?;
    }
    // Telegram wants command names without the slash.
    let commands: Vec<BotCommand> = PrivateCommand::bot_commands()
        .into_iter()
        .map(|c| BotCommand::new(c.command.trim_start_matches('/'), c.description))
        .collect();
    if let Err(e) = bot.set_my_commands(commands).await {
        warn!(
            "cannot set the command list: {}",
            failure::telegram_kind(&e)
        );
    }
    let poster = tokio::spawn(experts::post_loop(bot.clone(), state.clone()));
    let pruner = tokio::spawn(prune::prune_loop(state.clone()));
    let reminders = tokio::spawn(reminders::reminder_loop(
        bot.clone(),
        state.clone(),
        config.expert_group,
    ));

    let mut dispatcher = Dispatcher::builder(bot.clone(), schema())
        .dependencies(dptree::deps![state.clone()])
        .default_handler(|_| async {})
        .build();
    startup::shut_down_on(stop, dispatcher.shutdown_token());
    info!(
        expert_group,
        forum = state.is_forum(),
        admins = state.admins.len(),
        "faqbot is serving"
    );
    let dispatched = match &config.webhook {
        Some(hook) => {
            let listener = webhook::listen(&bot, state.clone(), hook).await?;
            let never = |_: std::convert::Infallible| async {};
            dispatcher
                .try_dispatch_with_listener(listener, Arc::new(never))
                .await
        }
        None => {
            let listener = teloxide::update_listeners::polling_default(bot).await;
            let polling = state.clone();
            let on_poll_error = move |error| {
                polling.polling.failed();
                startup::log_listener_error(error)
            };
            dispatcher
                .try_dispatch_with_listener(listener, Arc::new(on_poll_error))
                .await
        }
    };
    reminders.abort();
    poster.abort();
    pruner.abort();
    if let Err(e) = dispatched {
        anyhow::bail!(
            "cannot start polling Telegram: {}",
            failure::telegram_kind(&e)
        );
    }
    info!("faqbot stopped");
    Ok(())
}
