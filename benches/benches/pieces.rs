//! The pieces of a training run, one by one (`cargo bench`): data loading, one SGD step for
//! each way of getting and applying the gradients, and one evaluation pass over both sets.
//! On Fashion-MNIST from /usr/share/datasets/fashion-mnist (Debian's dataset-fashion-mnist),
//! on every compiled-in backend. The whole 20-epoch run against the lab's numpy script is
//! `handgrad bench`.

use criterion::{Criterion, criterion_group, criterion_main};
use lesson::backend::Backend;
use lesson::data::{Batches, DataSource, DatasetKind};
use lesson::gradients::GradSource;
use lesson::inference::evaluate;
use lesson::model::{Init, LogisticRegression};
use lesson::sgd::{Optimizer, OptimizerKind, sgd_step};

fn fashion() -> Option<DataSource> {
    let source = DataSource {
        kind: DatasetKind::FashionMnist,
        dir: None,
    };
    source.folder().filter(|d| d.is_dir()).map(|_| source)
}

fn pieces(c: &mut Criterion) {
    let Some(source) = fashion() else {
        eprintln!("benches/pieces: no Fashion-MNIST (apt-get install dataset-fashion-mnist); nothing to measure");
        return;
    };
    c.bench_function("load the four IDX files", |b| b.iter(|| source.load().unwrap()));
    let data = source.load().unwrap();
    for backend in Backend::compiled_in() {
        let device = backend.device();
        let mut group = c.benchmark_group(backend.name());
        group.sample_size(30);
        for (name, grad, optimizer) in [
            ("step, manual grads", GradSource::Manual, OptimizerKind::Manual),
            ("step, autodiff grads", GradSource::Autodiff, OptimizerKind::Manual),
            ("step, burn optimizer", GradSource::Autodiff, OptimizerKind::Burn),
        ] {
            let mut model = Some(LogisticRegression::new(Init::Zeros, &device));
            let mut optimizer = Optimizer::new(optimizer);
            let batches = Batches::new(&data.train, 100, None);
            let mut k = 0;
            group.bench_function(name, |b| {
                b.iter(|| {
                    let batch = batches.get(k, &device);
                    k += 1;
                    let current = model.take().unwrap();
                    model = Some(sgd_step(current, &batch, grad, &mut optimizer, 0.1).model);
                })
            });
        }
        let model = LogisticRegression::new(Init::Normal, &device);
        group.sample_size(10);
        group.bench_function("evaluation pass, 60 000 + 10 000 images", |b| {
            b.iter(|| {
                evaluate(&model, &data.train, &device);
                evaluate(&model, &data.test, &device);
            })
        });
        group.finish();
    }
}

criterion_group!(benches, pieces);
criterion_main!(benches);
