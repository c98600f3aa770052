/// Reading, writing and finding preset files (`presets/*.json`, format 1). The format is documented in the README.
public enum Preset {}
