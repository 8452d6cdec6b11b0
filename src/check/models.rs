//! What the gradient check needs to know of each model.

use burn::tensor::Device;

use super::gradcheck::{Checkable, NamedParam, normal_like, tensor_values};
use super::reference::Reference;
use crate::model::{Architecture, LogisticRegression, Mlp, Model};

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

    fn reference(&self) -> Reference {
        Reference::Logreg
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
    fn named_params(&self) -> Vec<NamedParam> {
        let bias_id = |l: &burn::nn::Linear| l.bias.as_ref().expect("the layer has a bias").id;
        vec![
            NamedParam { name: "Wh", id: self.hidden.weight.id, rank: 2, values: tensor_values(self.wh()) },
            NamedParam { name: "bh", id: bias_id(&self.hidden), rank: 1, values: tensor_values(self.bh()) },
            NamedParam { name: "Wy", id: self.output.weight.id, rank: 2, values: tensor_values(self.wy()) },
            NamedParam { name: "by", id: bias_id(&self.output), rank: 1, values: tensor_values(self.by()) },
        ]
    }

    fn reference(&self) -> Reference {
        Reference::Mlp {
            hidden: self.hidden_units(),
            activation: self.activation(),
        }
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
    fn named_params(&self) -> Vec<NamedParam> {
        match self {
            Model::Logreg(m) => m.named_params(),
            Model::Mlp(m) => m.named_params(),
        }
    }

    fn reference(&self) -> Reference {
        match self {
            Model::Logreg(m) => m.reference(),
            Model::Mlp(m) => m.reference(),
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
