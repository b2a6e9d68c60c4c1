//! A data table: caption, column headers, one row per item, and a line
//! across the table when there are no items.

use leptos::prelude::*;

use crate::i18n::{Text, tr};

/// One column header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Col {
    /// A translated header.
    Text(Text),
    /// A header only screen readers announce (a column of buttons).
    Hidden(Text),
    /// The same in both languages (`#`, `NIK`).
    Fixed(&'static str),
}

/// The table's caption.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Caption {
    Shown(Text),
    /// For screen readers only: the page heading already says it.
    Hidden(Text),
}

/// `row` renders one item (one or more `<tr>`); `empty`, when given, is
/// shown in a muted cell across all columns while `rows` is empty.
#[component]
pub fn DataTable<T, V, F>(
    #[prop(optional, into)] id: Option<String>,
    #[prop(default = "result-table")] class: &'static str,
    #[prop(optional)] caption: Option<Caption>,
    columns: &'static [Col],
    rows: Vec<T>,
    row: F,
    #[prop(optional)] empty: Option<Text>,
) -> impl IntoView
where
    V: IntoView + 'static,
    F: FnMut(T) -> V,
{
    let empty = empty.filter(|_| rows.is_empty());
    let body = rows.into_iter().map(row).collect_view();
    table(id, class, caption, columns, empty, body.into_any())
}

/// The part of [`DataTable`] that does not depend on the item type.
fn table(
    id: Option<String>,
    class: &'static str,
    caption: Option<Caption>,
    columns: &'static [Col],
    empty: Option<Text>,
    body: AnyView,
) -> AnyView {
    let caption = caption.map(|c| match c {
        Caption::Shown(text) => view! { <caption>{tr(text)}</caption> }.into_any(),
        Caption::Hidden(text) => view! { <caption class="visually-hidden">{tr(text)}</caption> }.into_any(),
    });
    let head = columns
        .iter()
        .map(|c| match *c {
            Col::Text(text) => view! { <th scope="col">{tr(text)}</th> }.into_any(),
            Col::Hidden(text) => view! {
                <th scope="col">
                    <span class="visually-hidden">{tr(text)}</span>
                </th>
            }
            .into_any(),
            Col::Fixed(label) => view! { <th scope="col">{label}</th> }.into_any(),
        })
        .collect_view();
    let span = columns.len();
    view! {
        <table id=id class=class>
            {caption}
            <thead>
                <tr>{head}</tr>
            </thead>
            <tbody>
                {empty
                    .map(|text| {
                        view! {
                            <tr>
                                <td colspan=span class="muted">{tr(text)}</td>
                            </tr>
                        }
                    })}
                {body}
            </tbody>
        </table>
    }
    .into_any()
}
