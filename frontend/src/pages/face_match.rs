//! `/verifikasi/wajah`: compare a face with Dukcapil's photo of one NIK.
//!
//! The photo comes from the webcam (asked for only when the officer clicks
//! "Aktifkan kamera"; every track stops on capture, on leaving the page and
//! on cleanup) or from a file. Either way it is drawn onto a canvas at most
//! 480 × 640, re-encoded as JPEG (quality 0.85, lowered until it fits
//! Dukcapil's 200 KB) and kept only in this page's signals: never in
//! browser storage, gone when the officer leaves.

use std::cell::{Cell, RefCell};

use leptos::html;
use leptos::prelude::*;
use padan_protocol::v1::{FACE_MAX_JPEG_BYTES, FaceBand, FaceMatchRequest, FaceMatchResponse, FaceOutcome, Mechanism};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement, HtmlImageElement, HtmlInputElement, MediaStream};

use crate::api;
use crate::components::error_banner::{RequestId, failure_view};
use crate::components::fields::{NikField, PurposeField, valid_nik_and_purpose};
use crate::components::mechanism::MechanismPage;
use crate::dom::focus;
use crate::i18n::{self, Text, tr, use_i18n};

const MAX_WIDTH: f64 = 480.0;
const MAX_HEIGHT: f64 = 640.0;

thread_local! {
    /// The running camera, if any: one per tab, stopped from anywhere.
    static CAMERA: RefCell<Option<MediaStream>> = const { RefCell::new(None) };
    /// Whether the face page is mounted (a permission prompt may outlive it).
    static PAGE_ALIVE: Cell<bool> = const { Cell::new(false) };
}

/// Stops every track of the camera stream, if one runs.
fn stop_camera() {
    if let Some(stream) = CAMERA.with(|c| c.borrow_mut().take()) {
        for track in stream.get_tracks().iter() {
            if let Ok(track) = track.dyn_into::<web_sys::MediaStreamTrack>() {
                track.stop();
            }
        }
    }
}

#[component]
pub fn FaceMatch() -> impl IntoView {
    view! {
        <MechanismPage
            title_id="face-title"
            title=i18n::FACE_TITLE
            lead=i18n::FACE_LEAD
            mechanism=Mechanism::FaceMatch
            error_id="face-error"
            form=|_| view! { <FaceForm /> }.into_any()
        />
    }
}

/// Draws `draw` on a canvas scaled to fit 480 × 640 and returns a JPEG data
/// URL of at most 200 KB.
fn encode_jpeg(
    width: u32,
    height: u32,
    draw: impl FnOnce(&CanvasRenderingContext2d, f64, f64) -> Result<(), JsValue>,
) -> Result<String, JsValue> {
    let (w, h) = (f64::from(width), f64::from(height));
    let scale = (MAX_WIDTH / w).min(MAX_HEIGHT / h).min(1.0);
    let (cw, ch) = ((w * scale).round().max(1.0), (h * scale).round().max(1.0));
    let document = web_sys::window().and_then(|w| w.document()).ok_or(JsValue::NULL)?;
    let canvas: HtmlCanvasElement = document.create_element("canvas")?.unchecked_into();
    canvas.set_width(cw as u32);
    canvas.set_height(ch as u32);
    let ctx: CanvasRenderingContext2d = canvas.get_context("2d")?.ok_or(JsValue::NULL)?.unchecked_into();
    draw(&ctx, cw, ch)?;
    let mut quality = 0.85;
    let result = loop {
        let url = canvas.to_data_url_with_type_and_encoder_options("image/jpeg", &JsValue::from_f64(quality))?;
        let b64 = url.split_once(',').map_or(0, |(_, b)| b.len());
        if b64 / 4 * 3 <= FACE_MAX_JPEG_BYTES {
            break Ok(url);
        }
        if quality < 0.2 {
            break Err(JsValue::NULL);
        }
        quality -= 0.1;
    };
    // Drop the pixels now rather than at the next garbage collection.
    canvas.set_width(0);
    canvas.set_height(0);
    result
}

#[component]
fn FaceForm() -> impl IntoView {
    let i18n = use_i18n();
    let nik = RwSignal::new(String::new());
    let purpose = RwSignal::new(String::new());
    let submitted = RwSignal::new(false);
    // The JPEG as a data URL: preview and payload.
    let photo = RwSignal::new(None::<String>);
    let photo_problem = RwSignal::new(None::<Text>);
    let camera_on = RwSignal::new(false);
    let camera_ready = RwSignal::new(false);
    let video_ref = NodeRef::<html::Video>::new();

    PAGE_ALIVE.with(|a| a.set(true));
    on_cleanup(|| {
        PAGE_ALIVE.with(|a| a.set(false));
        stop_camera();
    });

    let match_face = Action::new_local(|request: &FaceMatchRequest| api::verify_face(request.clone()));
    let pending = match_face.pending();
    let outcome = match_face.value();

    let turn_off = move || {
        stop_camera();
        if let Some(video) = video_ref.get_untracked() {
            video.set_src_object(None);
        }
        camera_on.set(false);
        camera_ready.set(false);
    };

    let start_camera = move |_| {
        photo_problem.set(None);
        leptos::task::spawn_local(async move {
            let stream = async {
                let devices = web_sys::window().ok_or(JsValue::NULL)?.navigator().media_devices()?;
                let constraints = web_sys::MediaStreamConstraints::new();
                constraints.set_video(&JsValue::TRUE);
                constraints.set_audio(&JsValue::FALSE);
                let stream = JsFuture::from(devices.get_user_media_with_constraints(&constraints)?).await?;
                Ok::<MediaStream, JsValue>(stream.unchecked_into())
            }
            .await;
            match stream {
                Ok(stream) => {
                    stop_camera();
                    CAMERA.with(|c| *c.borrow_mut() = Some(stream.clone()));
                    if !PAGE_ALIVE.with(Cell::get) {
                        stop_camera();
                        return;
                    }
                    if let Some(video) = video_ref.get_untracked() {
                        video.set_src_object(Some(&stream));
                        let _ = video.play();
                    }
                    camera_on.set(true);
                    focus("face-capture");
                }
                Err(_) => photo_problem.set(Some(i18n::CAMERA_UNAVAILABLE)),
            }
        });
    };

    let capture = move |_| {
        let Some(video) = video_ref.get_untracked() else { return };
        let (w, h) = (video.video_width(), video.video_height());
        if w == 0 || h == 0 {
            photo_problem.set(Some(i18n::CAMERA_NOT_READY));
            return;
        }
        let encoded = encode_jpeg(w, h, |ctx, cw, ch| {
            ctx.draw_image_with_html_video_element_and_dw_and_dh(&video, 0.0, 0.0, cw, ch)
        });
        turn_off();
        match encoded {
            Ok(url) => {
                photo_problem.set(None);
                photo.set(Some(url));
            }
            Err(_) => photo_problem.set(Some(i18n::PHOTO_UNREADABLE)),
        }
    };

    let on_file = move |ev: leptos::ev::Event| {
        let input: HtmlInputElement = event_target(&ev);
        let file = input.files().and_then(|files| files.get(0));
        // The input forgets the file; only the re-encoded copy is kept.
        input.set_value("");
        let Some(file) = file else { return };
        turn_off();
        leptos::task::spawn_local(async move {
            let encoded = async {
                let url = web_sys::Url::create_object_url_with_blob(&file)?;
                let img = HtmlImageElement::new()?;
                img.set_src(&url);
                let decoded = JsFuture::from(img.decode()).await;
                web_sys::Url::revoke_object_url(&url)?;
                decoded?;
                encode_jpeg(img.natural_width(), img.natural_height(), |ctx, cw, ch| {
                    ctx.draw_image_with_html_image_element_and_dw_and_dh(&img, 0.0, 0.0, cw, ch)
                })
            }
            .await;
            match encoded {
                Ok(url) => {
                    photo_problem.set(None);
                    photo.set(Some(url));
                }
                Err(_) => photo_problem.set(Some(i18n::PHOTO_UNREADABLE)),
            }
        });
    };

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        submitted.set(true);
        if pending.get_untracked() {
            return;
        }
        let Some((parsed_nik, purpose)) = valid_nik_and_purpose(nik, "face-nik", purpose, "face-purpose") else {
            return;
        };
        let Some(image) =
            photo.with_untracked(|p| p.as_ref().and_then(|u| u.split_once(',')).map(|(_, b)| b.to_owned()))
        else {
            photo_problem.set(Some(i18n::PHOTO_REQUIRED));
            focus("face-camera-start");
            return;
        };
        match_face.dispatch(FaceMatchRequest { nik: parsed_nik, purpose, image_jpeg_base64: image });
    };

    let reset = move |_| {
        turn_off();
        photo.set(None);
        photo_problem.set(None);
        nik.set(String::new());
        purpose.set(String::new());
        submitted.set(false);
        match_face.clear();
        focus("face-nik");
    };

    Effect::new(move |_| match &*outcome.read() {
        Some(Ok(_)) => focus("face-result"),
        Some(Err(_)) => focus("face-error"),
        None => {}
    });

    view! {
        <form class="form" autocomplete="off" novalidate on:submit=on_submit>
            <fieldset class="fieldset">
                <legend class="visually-hidden">{tr(i18n::FACE_TITLE)}</legend>
                <NikField id="face-nik" value=nik submitted=submitted />
                <PurposeField id="face-purpose" value=purpose submitted=submitted />
            </fieldset>
            <fieldset class="fieldset face">
                <legend class="fieldset__legend">{tr(i18n::PHOTO_LEGEND)}</legend>
                <p class="field__hint">{tr(i18n::PHOTO_HINT)}</p>
                <div class="face__sources">
                    <div class="face__source">
                        <div class="actions">
                            <button
                                id="face-camera-start"
                                type="button"
                                class="button button--secondary"
                                disabled=move || camera_on.get()
                                on:click=start_camera
                            >
                                {tr(i18n::CAMERA_START)}
                            </button>
                            <button
                                id="face-capture"
                                type="button"
                                class="button button--primary"
                                prop:hidden=move || !camera_on.get()
                                disabled=move || !camera_ready.get()
                                on:click=capture
                            >
                                {tr(i18n::CAMERA_CAPTURE)}
                            </button>
                        </div>
                        <video
                            id="face-video"
                            class="face__video"
                            node_ref=video_ref
                            autoplay
                            muted
                            playsinline
                            prop:hidden=move || !camera_on.get()
                            on:playing=move |_| camera_ready.set(true)
                        ></video>
                    </div>
                    <div class="face__source field">
                        <label class="field__label" for="face-file">{tr(i18n::PHOTO_FILE)}</label>
                        <input id="face-file" class="input" type="file" accept="image/jpeg,image/png" on:change=on_file />
                    </div>
                </div>
                {move || {
                    photo_problem
                        .get()
                        .map(|t| {
                            view! {
                                <p id="face-photo-error" class="field__error" role="alert">
                                    {tr(t)}
                                </p>
                            }
                        })
                }}
                {move || {
                    photo
                        .get()
                        .map(|url| {
                            view! {
                                <figure class="face__preview">
                                    <img id="face-preview" src=url alt=move || i18n.t(i18n::PREVIEW_ALT) draggable="false" />
                                    <figcaption class="muted">{tr(i18n::PREVIEW_CAPTION)}</figcaption>
                                </figure>
                            }
                        })
                }}
            </fieldset>
            <div class="actions">
                <button id="face-submit" type="submit" class="button button--primary" disabled=move || pending.get()>
                    {move || if pending.get() { i18n.t(i18n::SUBMITTING_FACE) } else { i18n.t(i18n::SUBMIT_FACE) }}
                </button>
                <button id="face-reset" type="button" class="button button--secondary" on:click=reset>
                    {tr(i18n::RESET)}
                </button>
            </div>
        </form>
        {move || {
            outcome
                .get()
                .map(|result| match result {
                    Ok(response) => view! { <FaceResult response=response /> }.into_any(),
                    Err(failure) => failure_view("face-error", failure),
                })
        }}
    }
}

/// `97.25` → `97.3`, without pulling float formatting into the wasm.
fn one_decimal(score: f32) -> String {
    let tenths = (score.clamp(0.0, 100.0) * 10.0).round() as u32;
    format!("{}.{}", tenths / 10, tenths % 10)
}

#[component]
fn FaceResult(response: FaceMatchResponse) -> impl IntoView {
    let FaceMatchResponse { request_id, outcome, threshold } = response;
    let (kind, band, body) = match outcome {
        FaceOutcome::NotFound => (
            "not_found",
            None,
            view! {
                <h3 class="panel__title">{tr(i18n::NOT_FOUND_TITLE)}</h3>
                <p>{tr(i18n::FACE_NOT_FOUND_HINT)}</p>
            }
            .into_any(),
        ),
        FaceOutcome::Scored { score, band } => {
            let (code, text) = match band {
                FaceBand::Cocok => ("cocok", i18n::BAND_COCOK),
                FaceBand::Meragukan => ("meragukan", i18n::BAND_MERAGUKAN),
                FaceBand::TidakCocok => ("tidak_cocok", i18n::BAND_TIDAK_COCOK),
            };
            (
                "scored",
                Some(code),
                view! {
                    <p class=format!("face-band face-band--{code}")>{tr(text)}</p>
                    <p>
                        {tr(i18n::FACE_SCORE)}
                        ": "
                        <strong id="face-score">{one_decimal(score)}</strong>
                        " / 100"
                    </p>
                }
                .into_any(),
            )
        }
    };
    view! {
        <section
            id="face-result"
            class="result panel"
            tabindex="-1"
            role="status"
            data-kind=kind
            data-band=band
        >
            <h2>{tr(i18n::FACE_RESULT_TITLE)}</h2>
            {body}
            <p class="threshold">
                {tr(i18n::FACE_THRESHOLD)}
                ": "
                <strong>{threshold}</strong>
            </p>
            <RequestId id=request_id />
        </section>
    }
}
