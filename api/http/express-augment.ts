/** What Revloop adds to Express's request: the exact bytes of a JSON body, kept by the parser. */
declare global {
  namespace Express {
    interface Request {
      rawBody?: Buffer;
    }
  }
}

export {};
