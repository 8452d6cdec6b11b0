//! `handgrad predict --model FILE IMAGE...`: the top-3 classes of image files.

use anyhow::Result;
use serde::Serialize;

use crate::cli::PredictArgs;
use crate::inference::{load_image, top_classes};
use crate::persist::load_model;

#[derive(Serialize)]
struct Prediction {
    image: String,
    top: Vec<Guess>,
    note: Option<String>,
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
    let images = args
        .images
        .iter()
        .map(|path| load_image(path, args.invert))
        .collect::<Result<Vec<_>>>()?;
    let mut predictions = Vec::new();
    for (path, image) in args.images.iter().zip(&images) {
        let top = top_classes(&model, &image.pixels, &device, 3);
        let note = (image.light_background && !args.invert).then(|| {
            "looks dark on light; MNIST images are light on dark: try --invert".to_string()
        });
        predictions.push(Prediction {
            image: path.display().to_string(),
            top: top
                .into_iter()
                .map(|(class, probability)| Guess { class, name: names[class], probability })
                .collect(),
            note,
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
        println!("{}: {}", p.image, guesses.join(", "));
        if let Some(note) = &p.note {
            println!("  note: {note}");
        }
    }
    Ok(())
}
