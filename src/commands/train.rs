//! `handgrad train`: exercise 1, end to end.

use std::time::Instant;

use anyhow::{Result, bail};

use crate::cli::{TrainArgs, name_of};
use crate::data::Dataset;
use crate::fsutil::ensure_dir;
use crate::model::LogisticRegression;
use crate::persist::{ModelMeta, save_model};
use crate::pictures::{write_curves, write_test_pictures, write_weights};
use crate::report::{BatchBar, Summary, epoch_line, write_run_files};
use crate::training::{TrainConfig, Trainer};

/// Trains, printing a line per epoch and writing the run's files.
pub fn run(args: &TrainArgs) -> Result<()> {
    let started = Instant::now();
    let backend = args.device.backend()?;
    let config = TrainConfig {
        epochs: args.epochs,
        lr: args.lr,
        batch_size: args.batch_size,
        shuffle_seed: args.shuffle.then_some(args.seed),
        grad: args.grad,
        optimizer: args.optimizer,
    };
    // Settings that are wrong whatever the data: say so before loading anything.
    config.validate(usize::MAX)?;
    ensure_dir(&args.out)?;

    let source = args.data.source();
    let mut data = source.load()?;
    limit(&mut data, args.train_limit, args.test_limit)?;
    let load_seconds = started.elapsed().as_secs_f64();
    config.validate(data.train.len())?;

    let batches = config.batches(data.train.len());
    let dropped = data.train.len() - batches * config.batch_size;
    println!(
        "handgrad: logistic regression 784→10 on {} ({}): {} train / {} test images, loaded in {:.2} s",
        data.kind.name(),
        data.origin,
        data.train.len(),
        data.test.len(),
        load_seconds
    );
    println!(
        "device {backend} · grad {} · optimizer {} · init {} · η = {} · batch {} · {batches} batches/epoch{}{}",
        name_of(&config.grad),
        name_of(&config.optimizer),
        name_of(&args.init),
        config.lr,
        config.batch_size,
        match config.shuffle_seed {
            Some(seed) => format!(", shuffled (seed {seed})"),
            None => ", in order".to_string(),
        },
        if dropped > 0 {
            format!(" · the last {dropped} images are left out of each epoch")
        } else {
            String::new()
        },
    );
    let device = backend.device();
    device.seed(args.seed);
    let model = LogisticRegression::new(args.init, &device);
    let mut trainer = Trainer::new(model, config.clone(), &data, device)?;
    let mut bar = BatchBar::for_stderr();
    let mut epochs = Vec::with_capacity(config.epochs);
    for _ in 0..config.epochs {
        let metrics = trainer.epoch(&mut bar)?;
        println!("{}", epoch_line(&metrics, config.epochs));
        epochs.push(metrics);
    }

    let summary = Summary {
        version: env!("CARGO_PKG_VERSION"),
        dataset: data.kind.name(),
        data_origin: &data.origin,
        train_images: data.train.len(),
        test_images: data.test.len(),
        backend,
        init: args.init,
        config: &config,
        batches_per_epoch: batches,
        dropped_per_epoch: dropped,
        last_epoch: epochs.last(),
        load_seconds,
        train_seconds: epochs.iter().map(|m| m.train_seconds).sum(),
        eval_seconds: epochs.iter().map(|m| m.eval_seconds).sum(),
        total_seconds: started.elapsed().as_secs_f64(),
        epochs: &epochs,
    };
    write_run_files(&args.out, &summary)?;
    let model = trainer.into_model();
    let meta = ModelMeta {
        model: "logreg".to_string(),
        dataset: data.kind,
        data_dir: args.data.data_dir.clone(),
        config: config.clone(),
        init: args.init,
        seed: args.seed,
        epochs_done: epochs.len(),
        backend,
        test_accuracy: epochs.last().map(|m| m.test_accuracy()),
    };
    let mut written = vec![
        args.out.join("metrics.csv"),
        args.out.join("summary.json"),
        save_model(&args.out, &model, &meta)?,
        args.out.join("model.json"),
    ];
    if !args.no_plots {
        let device = backend.device();
        written.push(write_curves(&args.out, &epochs, data.kind.name())?);
        written.push(write_weights(&args.out, &model, &data.class_names())?);
        let (table, paths) = write_test_pictures(&args.out, &model, &data, &device)?;
        written.extend(paths);
        println!("\nconfusion matrix on the test set (rows: true class, columns: predicted)");
        print!("{table}");
    }
    let names: Vec<String> = written
        .iter()
        .map(|p| p.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default())
        .collect();
    println!("wrote {} in {}", names.join(", "), args.out.display());
    Ok(())
}

/// Keeps the first images of each split when asked.
fn limit(data: &mut Dataset, train: Option<usize>, test: Option<usize>) -> Result<()> {
    for (split, n, flag) in [
        (&mut data.train, train, "--train-limit"),
        (&mut data.test, test, "--test-limit"),
    ] {
        if let Some(n) = n {
            if n == 0 {
                bail!("{flag} must be at least 1");
            }
            *split = split.head(n);
        }
    }
    Ok(())
}
