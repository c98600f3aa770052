public enum ConvPlayTUI {}
