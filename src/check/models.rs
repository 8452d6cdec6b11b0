//! What the gradient check needs to know of each model.

use burn::optim::GradientsParams;
use burn::tensor::Device;

use super::bugs::{Bug, logreg_gradients_with};
use super::gradcheck::{Checkable, NamedParam, normal_like, tensor_values};
use super::reference::logreg_loss;
use crate::data::Batch;
use crate::model::LogisticRegression;

impl Checkable for LogisticRegression {
    fn named_params(&self) -> Vec<NamedParam> {
        let bias = self.linear.bias.as_ref().expect("the layer has a bias");
        vec![
            NamedParam {
                name: "W",
                id: self.linear.weight.id,
                rank: 2,
                values: tensor_values(self.w()),
            },
            NamedParam {
                name: "b",
                id: bias.id,
                rank: 1,
                values: tensor_values(self.b()),
            },
        ]
    }

    fn reference_loss(theta: &[f64], x: &[f64], y: &[u8]) -> f64 {
        logreg_loss(theta, x, y)
    }

    fn gradients_with_bug(&self, batch: &Batch, bug: Bug) -> Option<GradientsParams> {
        let (grad_w, grad_b) = logreg_gradients_with(self, batch, bug)?;
        let mut grads = GradientsParams::new();
        grads.register(self.linear.weight.id, grad_w);
        grads.register(self.linear.bias.as_ref()?.id, grad_b);
        Some(grads)
    }

    fn random_like(&self, sigma: f64, device: &Device) -> Self {
        let (w, b) = (self.w(), self.b());
        // Keep the parameter ids: gradients are looked up by them.
        let mut model = self.clone();
        model.linear.weight = model.linear.weight.map(|_| normal_like(&w, sigma, device));
        if let Some(bias) = model.linear.bias.take() {
            model.linear.bias = Some(bias.map(|_| normal_like(&b, sigma, device)));
        }
        model
    }
}
