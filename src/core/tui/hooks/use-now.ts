import {useEffect, useState} from 'react'

/** The wall clock, ticking every `intervalMs`, for "down for 12s" and "refreshed 3s ago". */
export function useNow(intervalMs = 1000): number {
  const [now, setNow] = useState(() => Date.now())
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs)
    return () => clearInterval(timer)
  }, [intervalMs])
  return now
}
