// The throttling plugin uses bottleneck's light build (no Redis client); its types are the full build's.
declare module 'bottleneck/light.js' {
  import Bottleneck from 'bottleneck';
  export default Bottleneck;
}
