//! Fallback for unknown paths.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::components::page::Page;
use crate::i18n::{self, tr};

#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <Page title_id="not-found-title" title=i18n::PAGE_NOT_FOUND_TITLE lead=i18n::PAGE_NOT_FOUND_LEAD narrow=true>
            <p>
                <A href=crate::HOME>{tr(i18n::BACK_TO_VERIFY)}</A>
            </p>
        </Page>
    }
}
