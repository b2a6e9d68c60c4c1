//! Page scaffolding: the page's landmark with its heading and lead, and how
//! data the page loads is shown while it loads, when it fails and once it
//! is there.

use leptos::prelude::*;

use crate::api::ApiFailure;
use crate::components::error_banner::failure_view;
use crate::i18n::{self, Text, tr};

/// A page: `<section class="page">` labelled by its `<h1 id=title_id>`,
/// then the lead (if any) and the children.
#[component]
pub fn Page(
    /// The heading's id (`agreements-title`, …): the section's label.
    title_id: &'static str,
    title: Text,
    #[prop(optional)] lead: Option<Text>,
    /// The narrow layout of single-column pages.
    #[prop(optional)]
    narrow: bool,
    children: Children,
) -> impl IntoView {
    view! {
        <section class=if narrow { "page page--narrow" } else { "page" } aria-labelledby=title_id>
            <h1 id=title_id>{tr(title)}</h1>
            {lead.map(|lead| view! { <p class="lead">{tr(lead)}</p> })}
            {children()}
        </section>
    }
}

/// What a page shows while its request is on the way.
pub fn loading_view(text: Text) -> impl IntoView {
    view! { <p class="loading" role="status">{tr(text)}</p> }
}

/// A loaded resource: the loading line until it answers, the error banner
/// `error_id` when it failed (nothing for an ended session, see
/// [`failure_view`]), else `children` with the data.
#[component]
pub fn ResourceView<T, V, F>(
    resource: LocalResource<Result<T, ApiFailure>>,
    /// Id of the error banner (`agreements-error`, …).
    error_id: &'static str,
    /// The loading line.
    #[prop(default = i18n::LOADING)]
    loading: Text,
    children: F,
) -> impl IntoView
where
    T: Clone + Send + Sync + 'static,
    V: IntoView + 'static,
    F: Fn(T) -> V + Send + Sync + 'static,
{
    view! {
        <Suspense fallback=move || loading_view(loading)>
            {move || {
                resource
                    .get()
                    .map(|result| match result {
                        Ok(data) => children(data).into_any(),
                        Err(failure) => failure_view(error_id, failure),
                    })
            }}
        </Suspense>
    }
}
