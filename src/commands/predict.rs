//! `handgrad predict --model FILE IMAGE...`: the top-3 classes of image files.

use anyhow::Result;
use serde::Serialize;

use crate::cli::PredictArgs;
use crate::data::Split;
use crate::drawing::{Ink, load_drawing};
use crate::explain::{self, Prediction};
use crate::persist::load_model;
use crate::plot::grid::ascii_preview;

/// One file's answer in `--json`: its name, then what `serve`'s `/api/predict` answers too.
#[derive(Serialize)]
struct FilePrediction {
    image: String,
    #[serde(flatten)]
    prediction: Prediction,
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
    let predictions: Vec<FilePrediction> = args
        .images
        .iter()
        .zip(&images)
        .map(|(path, image)| FilePrediction {
            image: path.display().to_string(),
            prediction: explain::predict_one(&model, &image.pixels, image.inverted, &names, &device),
        })
        .collect();
    if args.json {
        println!("{}", serde_json::to_string_pretty(&predictions)?);
        return Ok(());
    }
    for FilePrediction { image, prediction: p } in &predictions {
        let guesses: Vec<String> = p
            .top
            .iter()
            .map(|g| format!("{} {:.1}%", g.name, 100.0 * g.probability))
            .collect();
        let how = if p.inverted { " (dark ink on light: inverted)" } else { "" };
        println!("{image}: {}{how}", guesses.join(", "));
        if args.show_input {
            print!("{}", ascii_preview(&Split::new(p.input.clone(), vec![0]), 1, &["the input the model sees"]));
        }
    }
    Ok(())
}
