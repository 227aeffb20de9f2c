/** Who a customer is, as the API takes it and the customer workflow and its records carry it. */
export interface CustomerProfile {
  name: string;
  phone?: string;
  email?: string;
  /** IANA time zone for quiet hours and seasons. */
  timezone: string;
}
