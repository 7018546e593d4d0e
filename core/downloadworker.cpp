#include "downloadworker.h"

#include "downloadattempt.h"
#include "httpclient.h"

#include <QCoreApplication>
#include <QThreadStorage>

namespace heiko {

namespace {

// Each worker thread keeps one HttpClient for its whole life: its sockets belong to this thread, and keeping
// it lets the next download on this worker reuse an idle connection to the same server. QThreadStorage
// deletes it in that same thread when the pool retires the thread.
HttpClient &threadHttpClient()
{
    static QThreadStorage<HttpClient *> clients;
    if (!clients.hasLocalData())
        clients.setLocalData(new HttpClient);
    return *clients.localData();
}

} // namespace

void runDownloadAttempt(QPromise<AttemptResult> &promise, const AttemptJob &job)
{
    if (promise.isCanceled())
        return;
    {
        DownloadAttempt attempt(job, promise, threadHttpClient());
        promise.addResult(attempt.run());
    }
    // What the attempt handed to deleteLater() outside its event handling (a reply a redirect replaced, the
    // socket of a reply destroyed with it) goes now: the attempt runs its loop with processEvents(), not
    // exec(), and a pool thread has no event loop of its own that would ever delete it.
    QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
}

} // namespace heiko
