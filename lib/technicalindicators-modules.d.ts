/**
 * Types for the per-indicator modules of `technicalindicators`. The package ships its typings
 * under `declarations/`, beside (not next to) the ES modules under `lib/`; importing the modules
 * one by one keeps a bundle at about a fifth of what the package's main entry pulls in.
 */
declare module 'technicalindicators/lib/directionalmovement/ADX' {
  export * from 'technicalindicators/declarations/directionalmovement/ADX';
}
declare module 'technicalindicators/lib/directionalmovement/ATR' {
  export * from 'technicalindicators/declarations/directionalmovement/ATR';
}
declare module 'technicalindicators/lib/moving_averages/EMA' {
  export * from 'technicalindicators/declarations/moving_averages/EMA';
}
declare module 'technicalindicators/lib/moving_averages/SMA' {
  export * from 'technicalindicators/declarations/moving_averages/SMA';
}
declare module 'technicalindicators/lib/volatility/BollingerBands' {
  export * from 'technicalindicators/declarations/volatility/BollingerBands';
}
