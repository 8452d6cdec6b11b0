//! `handgrad predict --model FILE IMAGE...`: the top-3 classes of image files.

use anyhow::Result;
use serde::Serialize;

use crate::cli::PredictArgs;
use crate::data::Split;
use crate::data::drawing::{Ink, load_drawing};
use crate::inference::top_classes;
use crate::persist::load_model;
use crate::plot::grid::ascii_preview;

#[derive(Serialize)]
struct Prediction {
    image: String,
    top: Vec<Guess>,
    /// Whether the picture was inverted (dark ink on light paper).
    inverted: bool,
    /// The 28 × 28 input the model saw.
    input: Vec<u8>,
}

#[derive(Serialize)]
struct Guess {
    class: usize,
    name: &'static str,
    probability: f64,
}

/// Prints the three most probable classes of each image.
pub fn run(args: &PredictArgs) -> Result<()> {
    let backend = args.device.backend()?;
    let device = backend.open()?;
    let (model, meta, _) = load_model(&args.model, &device)?;
    let names = meta.dataset().class_names();
    // Read every image first: a bad one fails the command before anything is printed.
    let ink = if args.invert { Ink::Dark } else { args.ink };
    let images = args
        .images
        .iter()
        .map(|path| load_drawing(path, ink, meta.dataset()))
        .collect::<Result<Vec<_>>>()?;
    let mut predictions = Vec::new();
    for (path, image) in args.images.iter().zip(&images) {
        let top = top_classes(&model, &image.pixels, &device, 3);
        predictions.push(Prediction {
            image: path.display().to_string(),
            top: top
                .into_iter()
                .map(|(class, probability)| Guess { class, name: names[class], probability })
                .collect(),
            inverted: image.inverted,
            input: image.pixels.clone(),
        });
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&predictions)?);
        return Ok(());
    }
    for p in &predictions {
        let guesses: Vec<String> = p
            .top
            .iter()
            .map(|g| format!("{} {:.1}%", g.name, 100.0 * g.probability))
            .collect();
        let how = if p.inverted { " (dark ink on light: inverted)" } else { "" };
        println!("{}: {}{how}", p.image, guesses.join(", "));
        if args.show_input {
            print!("{}", ascii_preview(&Split::new(p.input.clone(), vec![0]), 1, &["the input the model sees"]));
        }
    }
    Ok(())
}
