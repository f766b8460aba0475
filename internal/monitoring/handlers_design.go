package monitoring

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/response"
	"github.com/unyo-ops/unyo/internal/storage"
)

func (h *Handlers) effectiveItems(w http.ResponseWriter, r *http.Request) {
	h.read(w, r, func(tenant string) (int, any, error) {
		id, err := queryID(r, "resource")
		if err != nil {
			return 0, nil, err
		}
		if id == 0 {
			return 0, nil, invalid.New("resource", "is required: the ID of the resource")
		}
		list, err := h.store.EffectiveItems(r.Context(), tenant, id)
		return http.StatusOK, list, err
	})
}

// agentConfig answers the agent's pull of its configuration.
func (h *Handlers) agentConfig(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.agent, model.ScopeIngest, func(tenant string) (int, any, error) {
		host := r.URL.Query().Get("host")
		if host == "" {
			return 0, nil, invalid.New("host", "is required: the host name the agent runs as")
		}
		c, err := h.store.AgentConfig(r.Context(), tenant, host)
		if errors.Is(err, storage.ErrNotFound) {
			// The console lists the attempt with a button to register it;
			// the agent logs this sentence as it is: say what to do.
			if err := h.store.NoteUnregistered(r.Context(), tenant, host, r.RemoteAddr, h.now()); err != nil {
				h.logger.Warn("monitoring: unregistered host not recorded", "tenant", tenant, "host", host, "err", err)
			}
			return 0, nil, response.NotFound(UnregisteredMessage(host, tenant))
		}
		return http.StatusOK, c, err
	})
}

func (h *Handlers) itemListCSV(w http.ResponseWriter, r *http.Request) {
	h.itemList(w, r, "text/csv; charset=utf-8", "csv", (*ItemList).WriteCSV)
}

func (h *Handlers) itemListHTML(w http.ResponseWriter, r *http.Request) {
	h.itemList(w, r, "text/html; charset=utf-8", "", (*ItemList).WriteHTML)
}

// itemList renders the tenant's item list into memory first, so that a
// failure answers with an error rather than half a document.
func (h *Handlers) itemList(w http.ResponseWriter, r *http.Request, contentType, attach string, render func(*ItemList, io.Writer) error) {
	tenant, err := h.tenant(r, model.ScopeRead)
	if err != nil {
		response.Error(w, r, err)
		return
	}
	l, err := h.store.ItemList(r.Context(), tenant, r.URL.Query().Get("lang"), h.now())
	var buf bytes.Buffer
	if err == nil {
		err = render(l, &buf)
	}
	if err != nil {
		response.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", contentType)
	if attach != "" {
		w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="monitoring-items-%s-%s-%s.%s"`, tenant, l.Lang, l.Date, attach))
	}
	w.Write(buf.Bytes())
}

// UnregisteredMessage is what an agent pulling as a host its tenant does
// not have is told, and logs: the console's resource page or the agent's
// own enrollment (auto-registration) registers it.
func UnregisteredMessage(host, tenant string) string {
	return fmt.Sprintf("host %s is not registered in tenant %s: register it in the console (%s) or enable auto-registration by enrolling the agent with --enroll", host, tenant, "/tenants/"+tenant+"/resources/new")
}
