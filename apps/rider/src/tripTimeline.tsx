import type { TripView } from "@convoy/api";
import { formatTime } from "@convoy/ui";

interface Step {
  key: string;
  label: string;
  /** ISO time the step was reached; null while ahead. */
  at: string | null;
}

/**
 * The steps of a ride in order with the time each was reached. "Searching" is when the
 * first ride offer went out; a trip that got a driver must have searched, so without the
 * event (it may predate the log we read) the request time stands in for it. After a
 * dispatcher handed the ride to another driver, the steps are the new driver's.
 */
export function timelineSteps(trip: TripView, searchStartedAt: string | null): Step[] {
  const searchedAt = searchStartedAt ?? (trip.assignedAt ? trip.requestedAt : null);
  const steps: Step[] = [
    { key: "requested", label: "Requested", at: trip.requestedAt },
    { key: "searching", label: "Searching for a driver", at: searchedAt },
    { key: "assigned", label: trip.reassignments > 0 ? "New driver assigned" : "Driver assigned", at: trip.assignedAt },
    { key: "en_route", label: "Driver en route", at: trip.enRouteAt },
    { key: "arrived", label: "Driver arrived", at: trip.arrivedAt },
    { key: "in_progress", label: "Trip in progress", at: trip.inProgressAt },
    { key: "completed", label: "Completed", at: trip.completedAt },
  ];
  if (trip.status !== "cancelled") return steps;
  // A cancelled trip ends at the cancellation: the steps it never reached are left out.
  return [...steps.filter((step) => step.at !== null), { key: "cancelled", label: "Cancelled", at: trip.cancelledAt }];
}

/** The ride's progress as a vertical list: reached steps with their times, the current one marked. */
export function TripTimeline({ trip, searchStartedAt }: { trip: TripView; searchStartedAt: string | null }) {
  const steps = timelineSteps(trip, searchStartedAt);
  const lastReached = steps.reduce((last, step, index) => (step.at ? index : last), -1);
  return (
    <ol className="rider-timeline" aria-label="Trip progress">
      {steps.map((step, index) => {
        const state = index < lastReached ? "done" : index === lastReached ? "current" : "ahead";
        return (
          <li
            key={step.key}
            className={`rider-timeline__step rider-timeline__step--${state}${step.key === "cancelled" ? " rider-timeline__step--cancelled" : ""}`}
            data-step={step.key}
            data-state={state}
            aria-current={state === "current" ? "step" : undefined}
          >
            <span className="rider-timeline__label">{step.label}</span>
            <time className="rider-timeline__time" dateTime={step.at ?? undefined}>
              {step.at ? formatTime(step.at) : ""}
            </time>
          </li>
        );
      })}
    </ol>
  );
}
