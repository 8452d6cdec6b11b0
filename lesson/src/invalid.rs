//! A setting out of its range, said in the lab's words: the command line and model.json each
//! name the setting their own way (a flag, a field).

/// A setting of a run, as the lab names it (the command line gives each a flag).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Setting {
    /// The number of epochs.
    Epochs,
    /// The learning rate η.
    LearningRate,
    /// The batch size `tb`.
    BatchSize,
    /// The hidden units `L` of the perceptron.
    HiddenUnits,
}

impl Setting {
    /// Its name in the lab's words.
    pub fn describe(self) -> &'static str {
        match self {
            Setting::Epochs => "the number of epochs",
            Setting::LearningRate => "the learning rate η",
            Setting::BatchSize => "the batch size tb",
            Setting::HiddenUnits => "the number of hidden units L",
        }
    }
}

/// A setting out of its range: which one, and what is wrong with it.
#[derive(Debug, Clone, PartialEq)]
pub struct Invalid {
    /// The setting.
    pub setting: Setting,
    /// What is wrong ("must be at least 1", …), to follow the setting's name.
    pub problem: String,
}

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.setting.describe(), self.problem)
    }
}

impl std::error::Error for Invalid {}

