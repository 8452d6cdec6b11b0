//! What the gradient check needs to know of each of handgrad's models.

use std::collections::HashMap;

use burn::module::ParamId;
use burn::nn::Linear;
use burn::tensor::Device;

use super::gradcheck::{Checkable, normal_like};
use crate::model::{Architecture, LogisticRegression, Mlp, Model};

fn bias_id(layer: &Linear) -> ParamId {
    layer.bias.as_ref().expect("the layer has a bias").id
}

fn names(pairs: [(ParamId, &str); 2]) -> HashMap<ParamId, String> {
    pairs.into_iter().map(|(id, name)| (id, name.to_string())).collect()
}

impl Checkable for LogisticRegression {
    fn lab_names(&self) -> HashMap<ParamId, String> {
        names([(self.linear.weight.id, "W"), (bias_id(&self.linear), "b")])
    }

    fn architecture(&self) -> Architecture {
        Architecture::Logreg
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

impl Checkable for Mlp {
    fn lab_names(&self) -> HashMap<ParamId, String> {
        let mut all = names([(self.hidden.weight.id, "Wh"), (bias_id(&self.hidden), "bh")]);
        all.extend(names([(self.output.weight.id, "Wy"), (bias_id(&self.output), "by")]));
        all
    }

    fn architecture(&self) -> Architecture {
        Architecture::Mlp {
            hidden: self.hidden_units(),
            activation: self.activation(),
        }
    }

    fn random_like(&self, sigma: f64, device: &Device) -> Self {
        let mut model = self.clone();
        for layer in [&mut model.hidden, &mut model.output] {
            let w = layer.weight.val();
            layer.weight = layer.weight.clone().map(|_| normal_like(&w, sigma, device));
            if let Some(bias) = layer.bias.take() {
                let b = bias.val();
                layer.bias = Some(bias.map(|_| normal_like(&b, sigma, device)));
            }
        }
        model
    }
}

impl Checkable for Model {
    fn lab_names(&self) -> HashMap<ParamId, String> {
        match self {
            Model::Logreg(m) => m.lab_names(),
            Model::Mlp(m) => m.lab_names(),
        }
    }

    fn architecture(&self) -> Architecture {
        Model::architecture(self)
    }

    fn random_like(&self, sigma: f64, device: &Device) -> Self {
        match self {
            Model::Logreg(m) => Model::Logreg(m.random_like(sigma, device)),
            Model::Mlp(m) => Model::Mlp(m.random_like(sigma, device)),
        }
    }
}
