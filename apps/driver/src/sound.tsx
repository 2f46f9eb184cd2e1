import { useSyncExternalStore } from "react";

/** Where the driver's choice is kept, per browser. */
const STORAGE_KEY = "convoy.driver.sound";
const listeners = new Set<() => void>();
let audio: AudioContext | null = null;

function readEnabled(): boolean {
  try {
    return localStorage.getItem(STORAGE_KEY) === "on";
  } catch {
    return false;
  }
}

let enabled = readEnabled();

/**
 * Browsers only let a page make sound after a gesture on it; turning the sound on is one,
 * so the audio context is created (or resumed) right there.
 */
function unlockAudio(): void {
  audio ??= new AudioContext();
  void audio.resume().catch(() => undefined);
}

/** Turns the new-offer beep on or off, and remembers it in this browser. */
export function setSoundEnabled(next: boolean): void {
  enabled = next;
  try {
    localStorage.setItem(STORAGE_KEY, next ? "on" : "off");
  } catch {
    // Not remembered; it still applies until reload.
  }
  if (next) unlockAudio();
  for (const listener of listeners) listener();
}

export function useSoundEnabled(): boolean {
  return useSyncExternalStore(
    (onChange) => {
      listeners.add(onChange);
      return () => listeners.delete(onChange);
    },
    () => enabled,
  );
}

/** A short two-tone beep (about 0.3 s) when the sound is on; silent otherwise. */
export function beep(): void {
  if (!enabled) return;
  try {
    audio ??= new AudioContext();
    if (audio.state === "suspended") void audio.resume().catch(() => undefined);
    const start = audio.currentTime;
    const gain = audio.createGain();
    gain.connect(audio.destination);
    gain.gain.setValueAtTime(0.0001, start);
    gain.gain.exponentialRampToValueAtTime(0.25, start + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.3);
    const oscillator = audio.createOscillator();
    oscillator.type = "sine";
    oscillator.frequency.setValueAtTime(880, start);
    oscillator.frequency.setValueAtTime(1_175, start + 0.12);
    oscillator.connect(gain);
    oscillator.start(start);
    oscillator.stop(start + 0.32);
  } catch {
    // No audio device or no WebAudio: the toast still shows.
  }
}

/** The on/off checkbox for the beep. */
export function SoundToggle() {
  const on = useSoundEnabled();
  return (
    <label className="driver-sound">
      <input type="checkbox" checked={on} onChange={(event) => setSoundEnabled(event.target.checked)} />
      <span>Sound for new offers</span>
    </label>
  );
}
